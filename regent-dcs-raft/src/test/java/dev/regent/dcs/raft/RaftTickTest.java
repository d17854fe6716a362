package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.ratis.client.RaftClient;
import org.junit.jupiter.api.Test;

/**
 * Session expiry when nobody writes rides on the Raft leader's ticks. A tick that cannot commit (its leader was cut
 * off from the majority) must not stop that peer's later ticks: with a Ratis ordered client, one tick that ran out of
 * retries closed the client for good and the peer never expired a session again while it led (CI flake of
 * {@link RaftPartitionTest}: the new leader's first tick went to the deposed, isolated leader).
 */
class RaftTickTest {
    private static final Duration SHORT_TTL = Duration.ofMillis(300);
    private static final Duration RETRY = Duration.ofSeconds(10);

    @Test
    void aLeaderStillExpiresSessionsAfterOneOfItsTicksCouldNotCommit() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try (Partition partition = new Partition()) {
            int l = g.leaderIndex();
            RaftKvServer peer = g.peers.get(l);
            try (RaftKeyValueStore cut = new RaftKeyValueStore(peer, false, partition.clients(peer), SHORT_TTL,
                    RETRY)) {
                assertThat(cut.create("/t/a", "a", true)).isTrue();
                // The session's deadline passes while the peer still leads but cannot commit: its tick fails.
                partition.isolate(peer.id());
                awaitNotLeader(peer);
                partition.heal();
            }
            awaitLeadership(g, peer);
            try (RaftKeyValueStore store = new RaftKeyValueStore(peer, false, SHORT_TTL, RETRY)) {
                assertThat(store.create("/t/b", "b", true)).isTrue();
                // Nothing else writes now: only this leader's ticks can expire the new session.
                long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                while (!peer.stateMachine().localRead("/t/").kvs().isEmpty()) {
                    assertThat(System.nanoTime()).as("sessions still alive on the leader: %s",
                            peer.stateMachine().localRead("/t/").kvs()).isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
        } finally {
            g.destroy();
        }
    }

    private static void awaitNotLeader(RaftKvServer peer) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (peer.isLeader()) {
            assertThat(System.nanoTime()).as("the isolated leader never stepped down").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Hands the Raft leadership back to {@code peer} (transfer, retried until it sticks). */
    private static void awaitLeadership(RaftTestGroup g, RaftKvServer peer) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (RaftClient admin = peer.newClient(Duration.ofSeconds(5))) {
            while (!peer.isLeader()) {
                assertThat(System.nanoTime()).as("leadership never came back to " + peer.id()).isLessThan(deadline);
                g.leaderIndex();
                try {
                    admin.admin().transferLeadership(peer.id(), 3_000);
                } catch (java.io.IOException e) {
                    Thread.sleep(200);  // no leader yet, or the transfer timed out: try again
                }
            }
        }
    }
}
