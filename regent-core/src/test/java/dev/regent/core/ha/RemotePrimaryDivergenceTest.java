package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.RemotePrimaryDivergence.Fork;
import dev.regent.core.ha.RemotePrimaryDivergence.Remote;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cluster's former primary demoted into a standby cluster of a cluster promoted before it (promote-cluster, then
 * demote-cluster) holds WAL past the remote primary's fork point: Patroni's _check_timeline_and_lsn with the remote
 * member, as a running replica is judged.
 */
class RemotePrimaryDivergenceTest {
    private static final long FORK = 0x3000060L;

    @Test
    void theLocalWalAgainstTheRemotePrimarysHistory() {
        List<Fork> history = List.of(new Fork(1, 0x1000000L), new Fork(2, FORK));
        assertThat(RemotePrimaryDivergence.diverged(2, FORK + 0x78, 3, history))
                .as("promote first: the shutdown checkpoint of the demotion lies past the fork")
                .isEqualTo("local timeline 2 lsn " + (FORK + 0x78) + " is past the point " + FORK
                        + " where the remote primary's history left it");
        assertThat(RemotePrimaryDivergence.diverged(2, FORK, 3, history))
                .as("demote first: the remote replayed the shutdown checkpoint, then forked where it ends").isNull();
        assertThat(RemotePrimaryDivergence.diverged(1, 0x900000L, 3, history)).as("an older ancestor, behind")
                .isNull();
        assertThat(RemotePrimaryDivergence.diverged(3, FORK + 0x1000, 3, history)).as("the same timeline").isNull();
        assertThat(RemotePrimaryDivergence.diverged(4, 1, 3, history))
                .isEqualTo("local timeline 4 is newer than the remote primary's timeline 3");
        assertThat(RemotePrimaryDivergence.diverged(2, 1, 4, List.of(new Fork(1, 5), new Fork(3, 9))))
                .as("the remote's history skips the local timeline")
                .isEqualTo("local timeline 2 is not on the remote primary's history (timeline 4)");
    }

    @Test
    void asksOnlyWhenACheckIsDueForTheStandbyLeaderThatDoesNotStream() {
        ClusterView standby = cluster(Map.of("host", "10.0.0.9", "port", 5433));
        LocalPostgres notStreaming = replica(null);
        NodeMemory due = NodeMemory.INITIAL.withCheckDivergedLsn(true);
        assertThat(RemotePrimaryDivergence.asks(standby, notStreaming, due, "pg0", false)).isTrue();
        assertThat(RemotePrimaryDivergence.asks(standby, notStreaming, NodeMemory.INITIAL, "pg0", false))
                .as("no check due").isFalse();
        assertThat(RemotePrimaryDivergence.asks(standby, replica("streaming"), due, "pg0", false))
                .as("streaming proves the histories agree").isFalse();
        assertThat(RemotePrimaryDivergence.asks(standby, notStreaming, due, "pg1", false))
                .as("another member, on the standby leader's timeline").isFalse();
        ClusterView ahead = cluster(Map.of("host", "10.0.0.9"), 3);
        assertThat(RemotePrimaryDivergence.asks(ahead, notStreaming, NodeMemory.INITIAL, "pg1", false))
                .as("another member behind the timeline the standby leader publishes").isTrue();
        assertThat(RemotePrimaryDivergence.asks(ahead, replica("streaming"), NodeMemory.INITIAL, "pg1", false))
                .isFalse();
        assertThat(RemotePrimaryDivergence.asks(ahead, notStreaming, NodeMemory.INITIAL, "pg0", false))
                .as("the standby leader itself asks only when a check is due").isFalse();
        assertThat(RemotePrimaryDivergence.asks(standby, notStreaming, due, "pg0", true)).as("a long action runs")
                .isFalse();
        assertThat(RemotePrimaryDivergence.asks(standby, notStreaming, due.withRewindOrReinitNeeded(true), "pg0",
                false)).as("a rewind is pending already").isFalse();
        assertThat(RemotePrimaryDivergence.asks(cluster(Map.of("restore_command", "cp /a/%f %p")), notStreaming,
                due, "pg0", false)).as("no remote primary to ask").isFalse();
        assertThat(RemotePrimaryDivergence.asks(cluster(null), notStreaming, due, "pg0", false))
                .as("not a standby cluster").isFalse();
    }

    @Test
    void aConclusiveCheckEndsItAndADivergenceAsksForARewind() {
        NodeMemory due = NodeMemory.INITIAL.withCheckDivergedLsn(true);
        LocalPostgres local = replica(null);  // timeline 2, replayed to FORK + 0x78
        RemotePrimaryDivergence.Result unreachable = RemotePrimaryDivergence.checked(local, due, null);
        assertThat(unreachable.memory()).as("checked again next cycle").isEqualTo(due);
        assertThat(unreachable.info()).isNull();

        RemotePrimaryDivergence.Result diverged = RemotePrimaryDivergence.checked(local, due,
                new Remote(3, List.of(new Fork(2, FORK))));
        assertThat(diverged.memory().rewindOrReinitNeeded()).isTrue();
        assertThat(diverged.memory().checkDivergedLsn()).isFalse();
        assertThat(diverged.info()).endsWith(": rewind needed");

        RemotePrimaryDivergence.Result fine = RemotePrimaryDivergence.checked(local, due,
                new Remote(3, List.of(new Fork(2, FORK + 0x78))));
        assertThat(fine.memory()).isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void aDemoteClusterMakesTheCheckDueAndTheOwnClustersRuleKeepsIt() {
        NodeMemory held = NodeMemory.INITIAL.withWasLeader(true).withLockValidUntil(50_000);
        NodeMemory after = MemoryContract.after(new Action.Demote(Action.Demote.Mode.DEMOTE_CLUSTER, null, null),
                ActionOutcome.BACKGROUND, 1_000, 30, held);
        assertThat(after.checkDivergedLsn()).isTrue();
        assertThat(after.lockValidUntil()).as("the lock is kept").isEqualTo(50_000);
        ClusterView standby = cluster(Map.of("host", "10.0.0.9"));
        assertThat(DivergenceRule.note(standby, replica(null), after, "pg0", false, null).memory().checkDivergedLsn())
                .as("the standby leader's check is against the remote primary").isTrue();
        assertThat(DivergenceRule.note(cluster(null), replica(null), after, "pg0", false, null).memory()
                .checkDivergedLsn()).as("a primary cluster's leader has nothing to check").isFalse();
    }

    private static ClusterView cluster(Map<String, Object> standbyCluster) {
        return cluster(standbyCluster, 2);
    }

    /** pg0 holds the lock and publishes {@code leaderTimeline}. */
    private static ClusterView cluster(Map<String, Object> standbyCluster, int leaderTimeline) {
        Map<String, Object> data = new LinkedHashMap<>();
        if (standbyCluster != null) data.put("standby_cluster", standbyCluster);
        MemberData d = new MemberData("postgres://pg0:5432/postgres", "http://pg0:8008/patroni", null, "running",
                "standby_leader", "4.0.0", 0L, null, null, null, leaderTimeline, null, null, null, null, null, false, null);
        Member pg0 = new Member("pg0", 1, null, d);
        return new ClusterView(Scenario.SYSID, new ClusterConfig(1, data), new Leader("pg0", 3, "lease", pg0), null,
                List.of(pg0), null, null, null, null);
    }

    private static LocalPostgres replica(String replicationState) {
        long replay = FORK + 0x78;
        return new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, Scenario.SYSID, true,
                "in archive recovery", 2, replay, replay, replay, replicationState, null, null);
    }
}
