package dev.regent.dcs.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.PatroniDcs;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sessions, outages and silent network failures against a real ZooKeeper server (one per test). */
class ZooKeeperSessionTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ZooKeeperTestServer zk = closing(ZooKeeperTestServer.start());

    private <T extends AutoCloseable> T closing(T t) {
        toClose.add(0, t);
        return t;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    private ZooKeeperKeyValueStore store(String hosts, Duration ttl, Duration retry) {
        return closing(ZooKeeperKeyValueStore.fromConfig(Map.of("hosts", hosts), ttl, retry, Ticker.SYSTEM,
                Sleeper.SYSTEM));
    }

    private PatroniDcs dcs(ZooKeeperKeyValueStore store, String name) {
        return new PatroniDcs(store, "/service", "batman", name);
    }

    private static MemberData member(long lsn) {
        return new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", null, "running",
                "primary", "4.0.4", lsn, null, null, null, 1, Map.of(), null, null, null, null, false, null);
    }

    /** Ends the session on the server, as an expiry does: another handle with its id and password closes it. */
    private void expireOnTheServer(ZooKeeperKeyValueStore store) throws Exception {
        ZooKeeper mine = store.handle();
        ZooKeeper twin = new ZooKeeper(zk.hostPort(), 2000, e -> { }, mine.getSessionId(), mine.getSessionPasswd());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!twin.getState().isConnected() && System.nanoTime() < deadline) Thread.sleep(20);
        twin.close();
    }

    private static boolean eventually(Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return true;
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    private static ClusterView load(PatroniDcs dcs) {
        try {
            return dcs.load();
        } catch (DcsException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSessionTheServerExpiredLosesTheLockAndANewSessionRecreatesTheMember() throws Exception {
        ZooKeeperKeyValueStore storeA = store(zk.hostPort(), Duration.ofSeconds(4), Duration.ofSeconds(3));
        PatroniDcs a = dcs(storeA, "pg0");
        PatroniDcs b = dcs(store(zk.hostPort(), Duration.ofSeconds(4), Duration.ofSeconds(3)), "pg1");
        a.touchMember(member(1));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        String first = storeA.sessionId();
        assertThat(b.load().leader().session()).isEqualTo(first);

        b.load();
        CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> watch(b, Duration.ofSeconds(30)));
        expireOnTheServer(storeA);
        assertThat(woke.get(5, TimeUnit.SECONDS)).as("the watch wakes when the leader znode goes").isTrue();
        ClusterView afterExpiry = b.load();
        assertThat(afterExpiry.isUnlocked()).isTrue();
        assertThat(afterExpiry.members()).isEmpty();

        assertThat(b.attemptToAcquireLeader()).isTrue();
        assertThat(a.updateLeader(1, Map.of())).as("the lock went with the session").isFalse();
        a.touchMember(member(2));
        String second = storeA.sessionId();
        assertThat(second).isNotNull().isNotEqualTo(first);
        ClusterView view = b.load();
        assertThat(view.member("pg0")).as("member key re-created on the new session").isPresent();
        assertThat(view.member("pg0").orElseThrow().session()).isEqualTo(second);
        assertThat(view.leader().name()).isEqualTo("pg1");
    }

    @Test
    void anOutageIsADcsExceptionWithinRetryTimeoutAndTheStoreRecovers() throws Exception {
        ZooKeeperKeyValueStore store = store(zk.hostPort(), Duration.ofSeconds(10), Duration.ofSeconds(2));
        PatroniDcs dcs = dcs(store, "pg0");
        store.put("/service/batman/config", "{}", false);
        dcs.load();
        CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> watch(dcs, Duration.ofSeconds(30)));
        Thread.sleep(200);
        zk.stop();
        assertThat(woke.get(5, TimeUnit.SECONDS)).as("losing the connection wakes the loop").isTrue();
        long t0 = System.nanoTime();
        assertThatThrownBy(dcs::load).isInstanceOf(DcsException.class)
                .hasMessageContaining("ZooKeeper not reachable within retry_timeout 2 s");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900)).isLessThan(Duration.ofSeconds(4));
        assertThatThrownBy(() -> dcs.attemptToAcquireLeader()).isInstanceOf(DcsException.class);
        zk.restart();
        assertThat(eventually(Duration.ofSeconds(10), () -> {
            try {
                store.getPrefix("/service/batman/");
                return true;
            } catch (DcsException e) {
                return false;
            }
        })).as("reachable again").isTrue();
        Thread.sleep(1000);  // what the client might still have queued would have been sent by now
        assertThat(store.getPrefix("/service/batman/")).extracting(KeyValue::value)
                .as("the leader race reported failed during the outage never applies later").containsExactly("{}");
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
    }

    @Test
    void aSilentlyDeadConnectionCannotHoldACallPastRetryTimeout() throws Exception {
        BlackholeProxy proxy = closing(new BlackholeProxy(Integer.parseInt(zk.hostPort().split(":")[1])));
        // ttl 10 s: the client itself would notice the dead connection only after about 6.7 s
        ZooKeeperKeyValueStore store = store(proxy.hostPort(), Duration.ofSeconds(10), Duration.ofSeconds(2));
        store.put("/service/batman/config", "{}", false);
        proxy.freeze();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.getPrefix("/service/batman/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("retry_timeout 2 s");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3500));
    }

    @Test
    void aTtlChangeMovesTheLockToANewSessionWithoutAGap() throws Exception {
        ZooKeeperKeyValueStore storeA = store(zk.hostPort(), Duration.ofSeconds(4), Duration.ofSeconds(3));
        PatroniDcs a = dcs(storeA, "pg0");
        PatroniDcs b = dcs(store(zk.hostPort(), Duration.ofSeconds(4), Duration.ofSeconds(3)), "pg1");
        a.touchMember(member(1));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        String first = storeA.sessionId();
        a.reconfigure(Duration.ofSeconds(5), Duration.ofSeconds(3));
        assertThat(b.load().leader().name()).as("the old session still holds the lock").isEqualTo("pg0");
        assertThat(a.updateLeader(1, Map.of())).isTrue();
        a.touchMember(member(1));
        String second = storeA.sessionId();
        assertThat(second).isNotEqualTo(first);
        ClusterView view = b.load();
        assertThat(view.leader().session()).as("leader znode re-created on the new session").isEqualTo(second);
        assertThat(view.member("pg0").orElseThrow().session()).isEqualTo(second);
        assertThat(storeA.handle().getSessionTimeout()).isEqualTo(5000);
        assertThat(a.updateLeader(1, Map.of())).as("the next renewal closes the retired session").isTrue();
        assertThat(b.load().leader().name()).isEqualTo("pg0");
    }

    @Test
    void aLoopThatStopsRenewingLosesItsEphemeralKeysAfterTtl() throws Exception {
        ZooKeeperKeyValueStore storeA = store(zk.hostPort(), Duration.ofSeconds(2), Duration.ofSeconds(3));
        PatroniDcs a = dcs(storeA, "pg0");
        PatroniDcs b = dcs(store(zk.hostPort(), Duration.ofSeconds(2), Duration.ofSeconds(3)), "pg1");
        long t0 = System.nanoTime();  // the session (lease) starts with the write
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(eventually(Duration.ofSeconds(6), () -> load(b).isUnlocked())).isTrue();
        Duration gone = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(gone).as("not before ttl").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(a.updateLeader(1, Map.of())).as("nobody took it: re-created on a new session").isTrue();
    }

    private static boolean watch(PatroniDcs dcs, Duration timeout) {
        try {
            return dcs.watch(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
