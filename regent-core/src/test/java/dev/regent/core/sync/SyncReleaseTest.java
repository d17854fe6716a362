package dev.regent.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.SyncState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A stopping replica's request to be released from synchronous standby duty (Patroni's while_not_sync_standby). */
class SyncReleaseTest {

    private static ClusterView cluster(Object mode, String leader, SyncState sync) {
        ClusterConfig config = SyncFixtures.config(mode);
        Leader l = leader == null ? null : new Leader(leader, 1, null, SyncFixtures.member(leader, Map.of()));
        return new ClusterView("1", config, l, null, List.of(SyncFixtures.member("pg0", Map.of()),
                SyncFixtures.member("pg1", Map.of()), SyncFixtures.member("pg2", Map.of())), null, sync, null, null);
    }

    @Test
    void onlyAReplicaInSyncModeWithoutNosyncAsks() {
        SyncState sync = new SyncState(3, "pg0", Set.of("pg1"), 0);
        assertThat(SyncRelease.needed(cluster("on", "pg0", sync), "pg1", Map.of())).isTrue();
        assertThat(SyncRelease.needed(cluster("quorum", "pg0", sync), "pg2", Map.of())).as("any replica asks")
                .isTrue();
        assertThat(SyncRelease.needed(cluster("off", "pg0", sync), "pg1", Map.of())).isFalse();
        assertThat(SyncRelease.needed(cluster("on", "pg0", sync), "pg0", Map.of())).as("the leader").isFalse();
        assertThat(SyncRelease.needed(cluster("on", "pg0", sync), "pg1", Map.of("nosync", true))).isFalse();
        assertThat(SyncRelease.needed(cluster("on", "pg0", sync), "pg1", Map.of("sync_priority", 0))).isFalse();
        assertThat(SyncRelease.needed(null, "pg1", Map.of())).as("DCS not read").isFalse();
    }

    @Test
    void releasingTagsAddNosyncAndZeroPriority() {
        assertThat(SyncRelease.releasingTags(Map.of("sync_priority", 5, "zone", "a")))
                .containsEntry("nosync", true).containsEntry("sync_priority", 0).containsEntry("zone", "a");
    }

    @Test
    void aSyncStandbyIsOneListedInTheLeadersSyncKey() {
        assertThat(SyncRelease.isSyncStandby(cluster("on", "pg0", new SyncState(3, "pg0", Set.of("pg1"), 0)),
                "pg1")).isTrue();
        assertThat(SyncRelease.isSyncStandby(cluster("on", "pg0", new SyncState(3, "PG0", Set.of("Pg1"), 0)),
                "pg1")).as("case-insensitive").isTrue();
        assertThat(SyncRelease.isSyncStandby(cluster("on", "pg0", new SyncState(4, "pg0", Set.of(), 0)), "pg1"))
                .as("released").isFalse();
        assertThat(SyncRelease.isSyncStandby(cluster("on", "pg2", new SyncState(3, "pg0", Set.of("pg1"), 0)),
                "pg1")).as("a /sync of a former leader").isFalse();
        assertThat(SyncRelease.isSyncStandby(cluster("on", null, new SyncState(3, "pg0", Set.of("pg1"), 0)), "pg1"))
                .as("no leader").isFalse();
        assertThat(SyncRelease.isSyncStandby(cluster("on", "pg0", null), "pg1")).isFalse();
    }

    @Test
    void waitsTwiceLoopWait() {
        assertThat(SyncRelease.maxWait(10)).isEqualTo(Duration.ofSeconds(20));
    }
}
