package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.KeyValue;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Peer loss, cold restart of the whole group with snapshots, and the Patroni-config factory. */
class RaftClusterTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration RETRY = Duration.ofSeconds(10);

    @Test
    void losingTheLeaderPeerOfThreeKeepsTheStoreAvailableOnBothOthers() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try {
            int victim = g.leaderIndex();
            try (RaftKeyValueStore onVictim = new RaftKeyValueStore(g.peers.get(victim), false, TTL, RETRY)) {
                onVictim.put("/k/a", "1", false);
            }
            g.peers.get(victim).close();
            g.peers.set(victim, null);
            try (RaftKeyValueStore s1 = new RaftKeyValueStore(g.peers.get((victim + 1) % 3), false, TTL, RETRY);
                 RaftKeyValueStore s2 = new RaftKeyValueStore(g.peers.get((victim + 2) % 3), false, TTL, RETRY)) {
                assertThat(s1.create("/k/b", "2", true)).isTrue();
                assertThat(s2.create("/k/c", "3", true)).isTrue();
                assertThat(s2.getPrefix("/k/")).extracting(KeyValue::value).containsExactly("1", "2", "3");
                long rev = s1.getPrefix("/k/a").get(0).modRevision();
                assertThat(s1.compareAndSet("/k/a", "x", rev, false)).isTrue();
                assertThat(s2.getPrefix("/k/a")).extracting(KeyValue::value).containsExactly("x");
                assertThat(g.leaderIndex()).isNotEqualTo(victim);
            }
        } finally {
            g.destroy();
        }
    }

    @Test
    void aStoppingNodesWriteFailsAtOnceWhenMostPeersHaveStoppedRatherThanAfterTheRetryTimeout() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try {
            int survivor = g.leaderIndex();
            try (RaftKeyValueStore s = new RaftKeyValueStore(g.peers.get(survivor), false, TTL, RETRY)) {
                assertThat(s.create("/k/leader", "n0", true)).isTrue();
                for (int i = 1; i <= 2; i++) {  // every node of a cluster stopping at once: the others are gone first
                    g.peers.get((survivor + i) % 3).close();
                    g.peers.set((survivor + i) % 3, null);
                }
                try (RaftKeyValueStore running = new RaftKeyValueStore(g.peers.get(survivor), false, TTL,
                        Duration.ofSeconds(2))) {
                    assertThatThrownBy(() -> running.put("/k/other", "x", false))
                            .as("a node that is not stopping waits out its retry timeout (peers may come back)")
                            .hasMessageContaining("timed out");
                }
                s.stopping();
                long start = System.nanoTime();
                assertThatThrownBy(() -> s.delete("/k/leader"))
                        .isInstanceOf(dev.regent.dcs.DcsException.class)
                        .hasMessageContaining("most peers of the raft group have stopped");
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("the write gave up once the stopped peers refused connections, not after the retry"
                                + " timeout (%s)", RETRY)
                        .isLessThan(RETRY.dividedBy(2));
            }
        } finally {
            g.destroy();
        }
    }

    @Test
    void onlyAPortThatRefusesCountsAsAStoppedPeer() throws Exception {
        try (java.net.ServerSocket listening = new java.net.ServerSocket(0)) {
            assertThat(RaftKvServer.refusesConnections("127.0.0.1:" + listening.getLocalPort())).isFalse();
        }
        int free = RaftTestGroup.freePort();
        assertThat(RaftKvServer.refusesConnections("127.0.0.1:" + free)).as("nothing listens").isTrue();
    }

    @Test
    void coldRestartOfEveryPeerKeepsKeysAndCompactsTheLog() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        long revision;
        try {
            try (RaftKeyValueStore s = g.store("a", TTL)) {
                for (int i = 0; i < RaftKvServer.SNAPSHOT_THRESHOLD + 50; i++) {
                    s.put("/k/n", Integer.toString(i), false);
                }
                s.put("/k/config", "{}", false);
                s.getPrefix("/k/");
                revision = s.lastRevision();
            }
        } finally {
            g.close();
        }
        try (Stream<java.nio.file.Path> files = Files.walk(g.dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("snapshot.")).count())
                    .as("snapshots written").isGreaterThan(0);
        }
        for (int i = 0; i < 3; i++) g.peers.add(g.startPeer(i));
        try (RaftKeyValueStore s = g.store("b", TTL)) {
            List<KeyValue> kvs = s.getPrefix("/k/");
            assertThat(kvs).extracting(KeyValue::key).containsExactly("/k/config", "/k/n");
            assertThat(kvs.get(1).value()).isEqualTo(Long.toString(RaftKvServer.SNAPSHOT_THRESHOLD + 49));
            assertThat(s.lastRevision()).isEqualTo(revision);
            assertThat(s.create("/k/config", "x", false)).isFalse();
        } finally {
            g.destroy();
        }
    }

    @Test
    void fromConfigStartsAPeerFromPatroniRaftSection() throws Exception {
        String self = "127.0.0.1:" + RaftTestGroup.freePort();
        java.nio.file.Path dir = Files.createTempDirectory("regent-raft-cfg");
        Map<String, Object> raft = Map.of("self_addr", self, "partner_addrs", List.of(), "data_dir", dir.toString());
        try (RaftKeyValueStore s = RaftKeyValueStore.fromConfig(raft, TTL, Duration.ofSeconds(10))) {
            assertThat(s.create("/x", "1", true)).isTrue();
            assertThat(s.getPrefix("/x")).extracting(KeyValue::session).containsExactly(s.sessionId());
        } finally {
            try (Stream<java.nio.file.Path> paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertThat(RaftKeyValueStore.partners("127.0.0.1:1, 127.0.0.1:2"))
                .containsExactly("127.0.0.1:1", "127.0.0.1:2");
    }
}
