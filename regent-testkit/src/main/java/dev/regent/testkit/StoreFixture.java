package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;

/**
 * Shared plumbing of the DCS contract suites: a unique key prefix per test, stores closed after each test, and time
 * control that works for fake clocks (advance) and real servers (sleep) alike.
 */
public abstract class StoreFixture {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final List<KeyValueStore> opened = new ArrayList<>();
    /** A key prefix no other test uses, e.g. {@code /regent-test-3/}. */
    protected final String prefix = "/regent-test-" + COUNTER.incrementAndGet() + "-" + Ticker.SYSTEM.nanoTime() + "/";

    /** A new store for {@code node}; all stores of one test share one cluster; session TTL = {@link #ttl()}. */
    protected abstract KeyValueStore newStore(String node);

    /** The session TTL the stores use. */
    protected abstract Duration ttl();

    /** Let {@code d} pass for the cluster's sessions: advance a fake clock, or sleep for a real server. */
    protected abstract void letTimePass(Duration d) throws InterruptedException;

    /** Extra time a real server may take to notice an expired session after its TTL. */
    protected Duration expirySlack() {
        return Duration.ofSeconds(3);
    }

    /**
     * Whether a key read by another node names the session of the node that wrote it (an etcd lease, a ZooKeeper
     * session owner). etcd's v2 API records no owner: there a TTL key read by another node only shows that it is
     * ephemeral, and the writer itself sees its own session on it.
     */
    protected boolean sessionOwnerVisible() {
        return true;
    }

    /** Asserts that {@code key}, whose session another node read as {@code seenByOther}, is bound to {@code owner}. */
    protected final void assertBoundTo(KeyValueStore owner, String key, String seenByOther) throws DcsException {
        if (sessionOwnerVisible()) {
            assertThat(seenByOther).as("session of %s seen by another node", key).isEqualTo(owner.sessionId());
            return;
        }
        assertThat(seenByOther).as("%s is ephemeral", key).isNotNull();
        KeyValue own = owner.getPrefix(key).stream().filter(kv -> kv.key().equals(key)).findFirst().orElseThrow();
        assertThat(own.session()).as("session of %s seen by its writer", key).isEqualTo(owner.sessionId());
    }

    protected final KeyValueStore store(String node) {
        KeyValueStore s = newStore(node);
        synchronized (opened) {
            opened.add(s);
        }
        return s;
    }

    /** Let the TTL pass, then keep letting time pass in small steps until {@code condition} holds. */
    protected final boolean afterExpiry(BooleanSupplier condition) throws InterruptedException {
        letTimePass(ttl().plusMillis(1));
        long steps = expirySlack().toMillis() / 100;
        for (long i = 0; i <= steps; i++) {
            if (condition.getAsBoolean()) return true;
            letTimePass(Duration.ofMillis(100));
        }
        return condition.getAsBoolean();
    }

    /** Run {@code task} on a fresh daemon thread (not the common pool, which a blocked waiter could starve). */
    protected static <T> CompletableFuture<T> async(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, r -> {
            Thread t = new Thread(r, "contract-async");
            t.setDaemon(true);
            t.start();
        });
    }

    @AfterEach
    void closeStores() {
        synchronized (opened) {
            for (KeyValueStore s : opened) {
                try {
                    s.closeSession();
                } catch (Exception ignored) {
                    // a partitioned or closed store cannot revoke; its session expires anyway
                }
                s.close();
            }
            opened.clear();
        }
    }
}
