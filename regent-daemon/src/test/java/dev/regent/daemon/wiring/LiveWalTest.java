package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.daemon.rest.NodeStatus;
import dev.regent.postgres.PgConnection.WalNow;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveWalTest {
    /** What the loop published for a replica: timeline 6 (from IDENTIFY_SYSTEM while it did not stream). */
    private static final NodeStatus.PgDetails REPLICA = new NodeStatus.PgDetails(null, 150000, true, 0, 900L, 900L,
            null, false, 900L, 6, null, List.of());

    @Test
    void aReplicaThatDoesNotStreamKeepsTheTimelineTheLoopObservedNotTheCheckpointOne() {
        // the live query can only read pg_control's checkpoint timeline (3: the last restartpoint) while not streaming
        LiveWal live = new LiveWal(() -> new WalNow(true, null, 1000L, 1000L, 3, false));
        NodeStatus.PgDetails d = live.overlay(REPLICA);
        assertThat(d.timeline()).isEqualTo(6);
        assertThat(d.replayedLocation()).as("positions are read live").isEqualTo(1000L);
    }

    @Test
    void aStreamingReplicaReportsTheTimelineItReceivesNow() {
        LiveWal live = new LiveWal(() -> new WalNow(true, null, 1000L, 1000L, 7, true));
        assertThat(live.overlay(REPLICA).timeline()).isEqualTo(7);
    }

    @Test
    void aReplicaPromotedSinceTheSnapshotReportsItsNewTimeline() {
        LiveWal live = new LiveWal(() -> new WalNow(false, 2000L, null, null, 7));
        NodeStatus.PgDetails d = live.overlay(REPLICA);
        assertThat(d.timeline()).isEqualTo(7);
        assertThat(d.inRecovery()).isFalse();
    }

    @Test
    void theReplicationStateIsReadNowNotTakenFromTheLoopsLastCycle() {
        NodeStatus.PgDetails notYet = new NodeStatus.PgDetails(null, 150000, true, 0, 900L, 900L, null, false, 900L, 6,
                "in archive recovery", List.of());
        assertThat(new LiveWal(() -> new WalNow(true, null, 1000L, 1000L, 6, true)).overlay(notYet).replicationState())
                .as("the WAL receiver connected after the loop published").isEqualTo("streaming");
        assertThat(new LiveWal(() -> new WalNow(true, null, 1000L, 1000L, 6, false)).overlay(notYet)
                .replicationState()).isEqualTo("in archive recovery");
        assertThat(new LiveWal(() -> new WalNow(false, 2000L, null, null, 7)).overlay(notYet).replicationState())
                .as("promoted since: no replication state").isNull();
    }
}
