package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A minority partition of the Raft leader: the cut-off side fails instead of answering, the majority moves on. */
class RaftPartitionTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration LONG_TTL = Duration.ofSeconds(60);  // the majority's lock outlives the test
    private static final Duration RETRY = Duration.ofMillis(1500);  // the cut-off side's budget, under test
    // Everything else is not under test: a cold client's first request on a loaded machine may need more than RETRY.
    private static final Duration PATIENT = Duration.ofSeconds(30);
    // What a Regent node's DCS call may take while the Raft leader changes: well inside retry_timeout (10 s).
    private static final Duration SHORT_BUDGET = Duration.ofSeconds(3);

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

    /**
     * A client whose first target is the cut-off old leader, which no longer knows any leader and refuses every
     * linearizable read ("Leader is unknown"), reads and writes through the majority within a short budget: a read
     * refused for want of a leader moves on to another peer instead of asking the same one until the budget ends.
     */
    @Test
    void aReadRefusedByAPeerThatKnowsNoLeaderMovesOnToTheMajority() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try (Partition partition = new Partition()) {
            int iso = g.leaderIndex();
            RaftKvServer isoPeer = g.peers.get(iso);
            try (RaftKeyValueStore writer = new RaftKeyValueStore(isoPeer, false, LONG_TTL, PATIENT)) {
                writer.put("/c/config", "v1", false);  // answered by the leader: Ratis now caches it as the leader
            }
            partition.isolate(isoPeer.id());
            awaitLeaderOtherThan(g, iso);
            awaitSteppedDown(isoPeer);
            List<String> isolatedFirst = new ArrayList<>(g.addrs);
            isolatedFirst.remove(isoPeer.selfAddr());
            isolatedFirst.add(0, isoPeer.selfAddr());
            try (RaftKeyValueStore client = RaftKeyValueStore.client(isolatedFirst, null, LONG_TTL, SHORT_BUDGET)) {
                assertThat(client.getPrefix("/c/")).extracting(KeyValue::value).containsExactly("v1");
                client.put("/c/config", "v2", false);
                assertThat(client.getPrefix("/c/")).extracting(KeyValue::value).containsExactly("v2");
            }
        } finally {
            g.destroy();
        }
    }

    /**
     * A client whose first target is a follower that stopped receiving the log (its append stream hangs, as under
     * load until the leader resets it) reads the latest value within a short budget: that follower holds a
     * linearizable read until it has applied the leader's commit index, so after one RPC timeout the read moves on
     * to the next peer instead of waiting there for the whole budget.
     */
    @Test
    void aReadHeldByAFollowerThatStoppedReplicatingMovesOnWithinTheBudget() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try (Partition partition = new Partition()) {
            int leader = g.leaderIndex();
            RaftKvServer stalled = g.peers.get((leader + 1) % 3);
            try (RaftKeyValueStore writer = new RaftKeyValueStore(g.peers.get(leader), false, LONG_TTL, PATIENT)) {
                writer.put("/c/config", "v1", false);
                awaitReplicasEqual(g, writer.getPrefix("/c/"));
                partition.isolate(stalled.id());
                writer.put("/c/config", "v2", false);  // committed by the other two: the stalled peer cannot apply it
            }
            List<String> stalledFirst = new ArrayList<>(g.addrs);
            stalledFirst.remove(stalled.selfAddr());
            stalledFirst.add(0, stalled.selfAddr());
            try (RaftKeyValueStore client = RaftKeyValueStore.client(stalledFirst, null, LONG_TTL, SHORT_BUDGET)) {
                assertThat(client.getPrefix("/c/")).extracting(KeyValue::value).containsExactly("v2");
            }
            assertThat(stalled.stateMachine().localRead("/c/").kvs()).extracting(KeyValue::value)
                    .as("the first peer asked had not applied v2").containsExactly("v1");
        } finally {
            g.destroy();
        }
    }

    private static void awaitSteppedDown(RaftKvServer peer) throws InterruptedException {
        for (int attempt = 0; attempt < 200 && peer.isLeader(); attempt++) Thread.sleep(100);
        assertThat(peer.isLeader()).as("the isolated leader stepped down").isFalse();
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
