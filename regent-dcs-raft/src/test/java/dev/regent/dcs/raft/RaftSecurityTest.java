package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** raft.password: mutual TLS between peers and clients that know the password; everybody else is refused. */
class RaftSecurityTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration RETRY = Duration.ofSeconds(3);

    @Test
    void peersWithTheSamePasswordServeTheStore() throws Exception {
        RaftTestGroup g = new RaftTestGroup(List.of("s3cret", "s3cret", "s3cret"));
        try (RaftKeyValueStore a = new RaftKeyValueStore(g.peers.get(0), false, TTL, RETRY);
             RaftKeyValueStore b = new RaftKeyValueStore(g.peers.get(2), false, TTL, RETRY);
             RaftKeyValueStore viaClient = RaftKeyValueStore.client(g.addrs, "s3cret", TTL, RETRY)) {
            assertThat(a.create("/s/leader", "a", true)).isTrue();
            assertThat(b.create("/s/leader", "b", true)).as("create race lost").isFalse();
            long rev = b.getPrefix("/s/leader").get(0).modRevision();
            assertThat(b.compareAndSet("/s/leader", "b", rev, false)).isTrue();
            assertThat(a.compareAndSet("/s/leader", "a", rev, false)).as("stale revision").isFalse();
            assertThat(viaClient.getPrefix("/s/")).extracting(KeyValue::value).containsExactly("b");
        } finally {
            g.destroy();
        }
    }

    @Test
    void aPeerOrClientWithAnotherPasswordIsRefused() throws Exception {
        RaftTestGroup g = new RaftTestGroup(List.of("good", "good", "bad"));
        try (RaftKeyValueStore good = new RaftKeyValueStore(g.peers.get(0), false, TTL, RETRY);
             RaftKeyValueStore alsoGood = new RaftKeyValueStore(g.peers.get(1), false, TTL, RETRY);
             RaftKeyValueStore bad = new RaftKeyValueStore(g.peers.get(2), false, TTL, RETRY);
             RaftKeyValueStore plain = RaftKeyValueStore.client(g.addrs, null, TTL, RETRY)) {
            assertThat(good.create("/s/k", "1", false)).isTrue();
            assertThat(alsoGood.getPrefix("/s/")).extracting(KeyValue::value).containsExactly("1");
            assertThat(g.leaderIndex()).as("the wrong-password peer never leads").isNotEqualTo(2);
            assertRefusedWithinRetry(() -> bad.getPrefix("/s/"));
            assertRefusedWithinRetry(() -> bad.put("/s/k", "evil", false));
            assertRefusedWithinRetry(() -> plain.getPrefix("/s/"));
            assertThat(g.peers.get(2).stateMachine().localRead("/s/").kvs()).as("nothing replicated to it").isEmpty();
            assertThat(alsoGood.getPrefix("/s/")).extracting(KeyValue::value).containsExactly("1");
        } finally {
            g.destroy();
        }
    }

    private interface Call {
        void run() throws DcsException;
    }

    private static void assertRefusedWithinRetry(Call call) {
        long start = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOf(DcsException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(RETRY.plusSeconds(2));
    }
}
