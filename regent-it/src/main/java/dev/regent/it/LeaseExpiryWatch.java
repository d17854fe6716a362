package dev.regent.it;

import dev.regent.core.model.ClusterView;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Observes when a dead leader's key leaves the DCS, for the benchmarks' "first write after the lease expired". The
 * expiry cannot be computed from what a reader sees: on etcd v3 the leader renews its lease with a keep-alive, which
 * changes nothing in the key (an estimate from the key's mod_revision took the start of the observation for the last
 * renewal, and was off by up to loop_wait). A thread reads the cluster in a loop and notes the start of the last read
 * that still showed the key with the dead leader's session: the key went after that moment, so a figure counted from
 * it is an upper bound, too large by at most one read (tens of ms). The store's own expiry loop (etcd revokes expired
 * leases every 500 ms) is part of what is measured, as it is for Patroni.
 */
final class LeaseExpiryWatch implements AutoCloseable {
    private final AtomicLong lastSeen = new AtomicLong();
    private final AtomicLong goneSeen = new AtomicLong();
    private final Thread thread;

    /** Starts watching the key of {@code leader} held with {@code session} (as read before the kill). */
    LeaseExpiryWatch(LocalCluster c, String leader, String session) {
        lastSeen.set(System.nanoTime());
        thread = new Thread(() -> {
            while (goneSeen.get() == 0 && !Thread.currentThread().isInterrupted()) {
                long readStart = System.nanoTime();
                try {
                    ClusterView v = c.cluster();
                    if (v.leader() != null && v.leader().name().equals(leader)
                            && Objects.equals(v.leader().session(), session)) {
                        lastSeen.set(readStart);
                    } else {
                        goneSeen.set(System.nanoTime());
                    }
                } catch (Exception e) {
                    // a failed read shows nothing; the next one decides
                }
                LocalCluster.sleep(10);
            }
        }, "lease-expiry-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until a read no longer shows the key; returns the start of the last read that did (nanoTime). */
    long awaitExpiry(Duration timeout) {
        SyncChecks.awaitNanos("the dead leader's key gone", timeout, () -> goneSeen.get() != 0);
        return lastSeen.get();
    }

    /** When the first read without the key returned (nanoTime); 0 before. */
    long goneSeenAt() {
        return goneSeen.get();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
