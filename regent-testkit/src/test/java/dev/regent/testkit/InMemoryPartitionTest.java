package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.model.MemberData;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.dcs.memory.ManualClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Partitions of the in-memory DCS: the cut-off node sees errors and loses its lock once its session expires. */
class InMemoryPartitionTest {
    private final ManualClock clock = new ManualClock();
    private final InMemoryKvServer server = new InMemoryKvServer(clock);
    private final Duration ttl = Duration.ofSeconds(30);

    @Test
    void partitionedLeaderLosesLockAfterTtl() throws Exception {
        PatroniDcs a = new PatroniDcs(server.newStore("pg0", ttl), null, "batman", "pg0");
        PatroniDcs b = new PatroniDcs(server.newStore("pg1", ttl), null, "batman", "pg1");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        a.touchMember(MemberData.EMPTY);
        server.partition("pg0");
        assertThatThrownBy(a::load).isInstanceOf(DcsException.class).hasMessageContaining("pg0");
        assertThatThrownBy(() -> a.updateLeader(1, Map.of())).isInstanceOf(DcsException.class);
        clock.advance(Duration.ofSeconds(29));
        assertThat(b.load().isUnlocked()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(b.load().isUnlocked()).isTrue();
        assertThat(b.load().members()).isEmpty();
        assertThat(b.attemptToAcquireLeader()).isTrue();
        server.heal("pg0");
        assertThat(a.updateLeader(1, Map.of())).isFalse();
        assertThat(a.load().leader().name()).isEqualTo("pg1");
    }

    @Test
    void advancingTheClockWakesWaiters() throws Exception {
        var store = server.newStore("pg0", ttl);
        store.getPrefix("/");
        var waiter = StoreFixture.async(() -> {
            try {
                return store.awaitChange("/", store.lastRevision(), Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 100 && !waiter.isDone(); i++) {
            clock.advance(Duration.ofSeconds(11));
            Thread.sleep(10);
        }
        assertThat(waiter.get()).isFalse();
    }
}
