package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A minority partition of the Raft leader: the cut-off side fails instead of answering, the majority moves on. */
class RaftPartitionTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration LONG_TTL = Duration.ofSeconds(60);  // the majority's lock outlives the test
    private static final Duration RETRY = Duration.ofMillis(1500);  // the cut-off side's budget, under test
    // Everything else is not under test: a cold client's first request on a loaded machine may need more than RETRY.
    private static final Duration PATIENT = Duration.ofSeconds(30);

    @Test
    void anIsolatedLeaderLosesItsSessionAndCatchesUpAfterHealing() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try (Partition partition = new Partition()) {
            int iso = g.leaderIndex();
            RaftKvServer isoPeer = g.peers.get(iso);
            RaftKvServer majPeer = g.peers.get((iso + 1) % 3);
            try (RaftKeyValueStore isolated = new RaftKeyValueStore(isoPeer, false, partition.clients(isoPeer), TTL,
                    PATIENT);
                 RaftKeyValueStore majority = new RaftKeyValueStore(majPeer, false, LONG_TTL, PATIENT);
                 RaftKeyValueStore third = new RaftKeyValueStore(g.peers.get((iso + 2) % 3), false, LONG_TTL,
                         PATIENT)) {
                assertThat(isolated.create("/c/leader", "iso", true)).isTrue();
                isolated.put("/c/config", "v1", false);

                isolated.setRetryTimeout(RETRY);
                partition.isolate(isoPeer.id());
                assertFailsWithinRetry(() -> isolated.getPrefix("/c/"));
                assertFailsWithinRetry(() -> isolated.putIfValueOrAbsent("/c/leader", "iso", "iso", true));

                int newLeader = awaitLeaderOtherThan(g, iso);
                assertThat(newLeader).isNotEqualTo(iso);
                awaitGoneOnMajority(majority, "/c/leader");
                assertThat(majority.create("/c/leader", "maj", true)).isTrue();
                majority.put("/c/config", "v2", false);
                assertFailsWithinRetry(() -> isolated.getPrefix("/c/"));  // never the stale "iso"/"v1"

                partition.heal();
                isolated.setRetryTimeout(PATIENT);
                List<KeyValue> expected = majority.getPrefix("/c/");
                assertThat(expected).extracting(KeyValue::value).containsExactly("v2", "maj");
                awaitReplicasEqual(g, expected);
                assertThat(isolated.getPrefix("/c/")).isEqualTo(expected);
                assertThat(third.getPrefix("/c/")).isEqualTo(expected);
                assertThat(isolated.putIfValueOrAbsent("/c/leader", "iso", "iso", true)).as("lock is taken")
                        .isFalse();
            }
        } finally {
            g.destroy();
        }
    }

    private interface Call {
        void run() throws DcsException;
    }

    private static void assertFailsWithinRetry(Call call) {
        long start = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOf(DcsException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(RETRY.plusSeconds(2));
    }

    private static int awaitLeaderOtherThan(RaftTestGroup g, int old) throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int i = 0; i < 3; i++) if (i != old && g.peers.get(i).isLeader()) return i;
            Thread.sleep(100);
        }
        throw new AssertionError("the majority elected no new raft leader");
    }

    /** The isolated session's TTL runs out on the majority: its ephemeral key disappears within a few TTLs. */
    private static void awaitGoneOnMajority(RaftKeyValueStore store, String key) throws Exception {
        // A loaded machine may take longer than one retry timeout until every majority peer knows the new leader.
        long deadline = System.nanoTime() + TTL.multipliedBy(4).plusSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (store.getPrefix(key).isEmpty()) return;
            } catch (DcsException e) {
                // leader not known yet on this peer: try again
            }
            Thread.sleep(100);
        }
        throw new AssertionError(key + " of the isolated session did not expire on the majority side");
    }

    private static void awaitReplicasEqual(RaftTestGroup g, List<KeyValue> expected) throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            if (g.peers.stream().allMatch(p -> p.stateMachine().localRead("/c/").kvs().equals(expected))) return;
            Thread.sleep(100);
        }
        throw new AssertionError("replicas did not converge: " + g.peers.stream()
                .map(p -> p.stateMachine().localRead("/c/").kvs()).toList());
    }
}
