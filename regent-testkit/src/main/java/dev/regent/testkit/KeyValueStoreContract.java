package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link KeyValueStore} backend must honour. Subclass it once per backend and supply the
 * {@link StoreFixture} hooks (stores of several nodes on one cluster, and time control).
 */
public abstract class KeyValueStoreContract extends StoreFixture {

    private KeyValue get(KeyValueStore s, String key) throws DcsException {
        return s.getPrefix(key).stream().filter(kv -> kv.key().equals(key)).findFirst().orElse(null);
    }

    private boolean gone(KeyValueStore s, String key) {
        try {
            return get(s, key) == null;
        } catch (DcsException e) {
            return false;
        }
    }

    @Test
    void putAndReadBackSortedWithRevisions() throws Exception {
        KeyValueStore s = store("a");
        s.put(prefix + "b", "2", false);
        s.put(prefix + "a", "1", false);
        s.put(prefix + "a", "1b", false);
        s.put("/regent-elsewhere" + prefix, "x", false);
        List<KeyValue> kvs = s.getPrefix(prefix);
        assertThat(kvs).extracting(KeyValue::key).containsExactly(prefix + "a", prefix + "b");
        KeyValue a = kvs.get(0);
        assertThat(a.value()).isEqualTo("1b");
        assertThat(a.session()).isNull();
        assertThat(a.modRevision()).isGreaterThan(a.createRevision());
        assertThat(s.lastRevision()).isGreaterThanOrEqualTo(a.modRevision());
        s.put(prefix + "empty", "", false);
        assertThat(get(s, prefix + "empty").value()).isEmpty();
        s.deletePrefix("/regent-elsewhere" + prefix);
    }

    @Test
    void createSucceedsOnlyOnce() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        assertThat(a.create(prefix + "k", "a", false)).isTrue();
        assertThat(b.create(prefix + "k", "b", false)).isFalse();
        assertThat(get(b, prefix + "k").value()).isEqualTo("a");
    }

    @Test
    void createRaceHasExactlyOneWinner() throws Exception {
        int n = 6;
        List<KeyValueStore> stores = new ArrayList<>();
        for (int i = 0; i < n; i++) stores.add(store("node" + i));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                KeyValueStore s = stores.get(i);
                String name = "node" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return s.create(prefix + "leader", name, true);
                }));
            }
            start.countDown();
            int winners = 0;
            String winner = null;
            for (int i = 0; i < n; i++) {
                if (results.get(i).get(30, TimeUnit.SECONDS)) {
                    winners++;
                    winner = "node" + i;
                }
            }
            assertThat(winners).isEqualTo(1);
            KeyValue kv = get(stores.get(0), prefix + "leader");
            assertThat(kv.value()).isEqualTo(winner);
            assertBoundTo(stores.get(Integer.parseInt(winner.substring(4))), prefix + "leader", kv.session());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void compareAndSetOnModRevision() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        assertThat(a.compareAndSet(prefix + "config", "{}", 0, false)).as("absent key has revision 0").isTrue();
        long v1 = get(a, prefix + "config").modRevision();
        assertThat(b.compareAndSet(prefix + "config", "{\"b\":1}", v1, false)).isTrue();
        assertThat(a.compareAndSet(prefix + "config", "{\"a\":1}", v1, false)).as("stale revision").isFalse();
        assertThat(a.compareAndSet(prefix + "config", "{\"a\":1}", 0, false)).as("exists now").isFalse();
        assertThat(get(a, prefix + "config").value()).isEqualTo("{\"b\":1}");
        long v2 = get(a, prefix + "config").modRevision();
        assertThat(a.deleteIfModRevision(prefix + "config", v1)).isFalse();
        assertThat(a.deleteIfModRevision(prefix + "config", v2)).isTrue();
        assertThat(gone(a, prefix + "config")).isTrue();
    }

    @Test
    void putIfValueOrAbsent() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        assertThat(a.putIfValueOrAbsent(prefix + "leader", "a", "a", true)).as("absent").isTrue();
        assertThat(a.putIfValueOrAbsent(prefix + "leader", "a", "a", true)).as("own value").isTrue();
        assertThat(b.putIfValueOrAbsent(prefix + "leader", "b", "b", true)).as("other value").isFalse();
        KeyValue kv = get(b, prefix + "leader");
        assertThat(kv.value()).isEqualTo("a");
        assertBoundTo(a, prefix + "leader", kv.session());
    }

    @Test
    void deleteIfValueAndDelete() throws Exception {
        KeyValueStore a = store("a");
        a.put(prefix + "leader", "a", true);
        assertThat(a.deleteIfValue(prefix + "leader", "b")).isFalse();
        assertThat(gone(a, prefix + "leader")).isFalse();
        assertThat(a.deleteIfValue(prefix + "leader", "a")).isTrue();
        assertThat(gone(a, prefix + "leader")).isTrue();
        assertThat(a.deleteIfValue(prefix + "leader", "a")).as("absent").isFalse();
        a.put(prefix + "initialize", "", false);
        a.delete(prefix + "initialize");
        a.delete(prefix + "initialize");
        assertThat(gone(a, prefix + "initialize")).isTrue();
        a.put(prefix + "x/1", "1", false);
        a.put(prefix + "x/2", "2", false);
        a.deletePrefix(prefix + "x/");
        assertThat(a.getPrefix(prefix)).isEmpty();
    }

    @Test
    void ephemeralKeysExpireWithTheirSession() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        a.put(prefix + "members/a", "{}", true);
        a.put(prefix + "config", "{}", false);
        assertThat(a.sessionId()).isNotNull();
        assertBoundTo(a, prefix + "members/a", get(b, prefix + "members/a").session());
        assertThat(afterExpiry(() -> gone(b, prefix + "members/a"))).as("ephemeral key expired").isTrue();
        assertThat(gone(b, prefix + "config")).as("persistent key stays").isFalse();
    }

    @Test
    void keepAliveKeepsEphemeralKeys() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        a.put(prefix + "leader", "a", true);
        String session = a.sessionId();
        for (int i = 0; i < 3; i++) {
            letTimePass(ttl().dividedBy(2));
            assertThat(a.keepAlive()).isEqualTo(session);
        }
        assertThat(get(b, prefix + "leader").value()).isEqualTo("a");
    }

    @Test
    void keepAliveAfterExpiryGivesNewSession() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        String first = a.keepAlive();
        a.put(prefix + "leader", "a", true);
        assertThat(afterExpiry(() -> gone(b, prefix + "leader"))).isTrue();
        String second = a.keepAlive();
        assertThat(second).isNotNull().isNotEqualTo(first);
        a.put(prefix + "leader", "a", true);
        assertThat(a.sessionId()).isEqualTo(second);
        assertBoundTo(a, prefix + "leader", get(b, prefix + "leader").session());
    }

    @Test
    void ephemeralWriteAfterExpiryStartsNewSession() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        a.put(prefix + "members/a", "1", true);
        String first = a.sessionId();
        assertThat(afterExpiry(() -> gone(b, prefix + "members/a"))).isTrue();
        a.put(prefix + "members/a", "2", true);
        KeyValue kv = get(b, prefix + "members/a");
        assertThat(kv.value()).isEqualTo("2");
        assertThat(a.sessionId()).isNotEqualTo(first);
        assertBoundTo(a, prefix + "members/a", kv.session());
    }

    @Test
    void closeSessionDropsEphemeralKeysAtOnce() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        a.put(prefix + "leader", "a", true);
        a.put(prefix + "members/a", "{}", true);
        a.put(prefix + "status", "{}", false);
        a.closeSession();
        assertThat(a.sessionId()).isNull();
        assertThat(b.getPrefix(prefix)).extracting(KeyValue::key).containsExactly(prefix + "status");
    }

    @Test
    void awaitChangeWakesOnAnotherStoresWrite() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        a.put(prefix + "leader", "a", true);
        b.getPrefix(prefix);
        long rev = b.lastRevision();
        long t0 = Ticker.SYSTEM.nanoTime();
        CompletableFuture<Boolean> woke = async(() -> await(b, prefix, rev, ttl().multipliedBy(5)));
        Sleeper.SYSTEM.sleep(Duration.ofMillis(200));
        assertThat(woke).isNotDone();
        a.deleteIfValue(prefix + "leader", "a");
        assertThat(woke.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(Ticker.SYSTEM.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void awaitChangeReturnsAtOnceForEarlierChange() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        b.getPrefix(prefix);
        long rev = b.lastRevision();
        a.put(prefix + "config", "{}", false);
        assertThat(async(() -> await(b, prefix, rev, Duration.ofSeconds(30)))
                .get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void awaitChangeTimesOutWithoutChangeUnderPrefix() throws Exception {
        KeyValueStore a = store("a");
        KeyValueStore b = store("b");
        b.getPrefix(prefix);
        long rev = b.lastRevision();
        Duration timeout = Duration.ofMillis(300);
        CompletableFuture<Boolean> woke = async(() -> await(b, prefix + "watched/", rev,
                timeout));
        a.put(prefix + "other", "x", false);
        // The waiter may start after any given advance (a manual clock), so keep time moving until it returns.
        for (int i = 0; i < 100 && !woke.isDone(); i++) {
            letTimePass(timeout.plusMillis(100));
            Sleeper.SYSTEM.sleep(Duration.ofMillis(50));
        }
        assertThat(woke.get(5, TimeUnit.SECONDS)).isFalse();
    }

    private static boolean await(KeyValueStore s, String prefix, long rev, Duration timeout) {
        try {
            return s.awaitChange(prefix, rev, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
