package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres.ProcessState;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scenarios for the rewind-needed rule, seen from pg1 in a cluster where pg0 wins the lock and promotes from timeline
 * 3 to 4 at LSN {@value #FORK}; each case is one or more cycles of (DCS snapshot, local postgres) → memory + INFO
 * line.
 */
class DivergenceRuleTest {
    private static final long FORK = 1_000;
    private static final String KILLED_PRIMARY_INFO =
            "the data directory was last a primary and pg0 holds the lock: checking with pg_rewind before following it";
    private static final NodeMemory CHECKING = NodeMemory.INITIAL.withCheckDivergedLsn(true);

    // ---- the local postgres ----
    private static LocalPostgres stopped(String controlState) {
        return new LocalPostgres(ProcessState.STOPPED, false, Scenario.SYSID, null, controlState, 3, 1_120, null, null,
                null, null, null);
    }

    private static LocalPostgres replica(int timeline, long replay, String replicationState) {
        return new LocalPostgres(ProcessState.RUNNING, false, Scenario.SYSID, true, "in archive recovery", timeline,
                replay, replay, replay, replicationState, "pg0", null);
    }

    private static LocalPostgres emptyDataDir() {
        return new LocalPostgres(ProcessState.STOPPED, true, null, null, null, 0, 0, null, null, null, null, null);
    }

    // ---- the DCS ----
    /** pg0 holds the lock and publishes {@code leaderTimeline}; /history records the fork of 3 when {@code forked}. */
    private static ClusterView ledBy(String leader, Integer leaderTimeline, boolean forked) {
        List<Member> members = new ArrayList<>();
        for (String n : List.of("pg0", "pg1", "pg2")) {
            MemberData d = new MemberData("postgres://" + n + ":5432/postgres", "http://" + n + ":8008/patroni", null,
                    "running", n.equals(leader) ? "primary" : "replica", "4.0.0", 0L, null, null, null,
                    n.equals(leader) ? leaderTimeline : Integer.valueOf(3), null, null, null, null, null, false, null);
            members.add(new Member(n, 1, null, d));
        }
        Leader l = leader == null ? null : new Leader(leader, 3, "lease",
                members.stream().filter(m -> m.name().equals(leader)).findFirst().orElseThrow());
        List<TimelineHistory.Entry> history = new ArrayList<>();
        history.add(new TimelineHistory.Entry(1, 100, "no recovery target", null, null));
        history.add(new TimelineHistory.Entry(2, 500, "no recovery target", null, null));
        if (forked) history.add(new TimelineHistory.Entry(3, FORK, "no recovery target", null, "pg0"));
        return new ClusterView(Scenario.SYSID, null, l, null, members, null, null, new TimelineHistory(1, history),
                null);
    }

    private static ClusterView unlocked() {
        return ledBy(null, null, false);
    }

    private static DivergenceRule.Result note(ClusterView c, LocalPostgres l, NodeMemory m) {
        return DivergenceRule.note(c, l, m, "pg1", false);
    }

    @ParameterizedTest(name = "a primary stopped as \"{0}\" while pg0 holds the lock is rewound first")
    @ValueSource(strings = {"in production", "shut down", "shutting down", "in crash recovery"})
    void killedPrimaryWhileAnotherHoldsTheLock(String controlState) {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), stopped(controlState), NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo(KILLED_PRIMARY_INFO);
    }

    @Test
    void aStoppedReplicaFollowsWithoutRewind() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), stopped("shut down in recovery"), NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(r.info()).isNull();
    }

    /** The whole cluster restarted cold: pg1 (last primary, timeline 3) starts as a replica before pg0 wins. */
    private static NodeMemory coldRestartUntilPg0Promoted(long replay) {
        NodeMemory m = note(unlocked(), stopped("shut down"), NodeMemory.INITIAL).memory();
        assertThat(m).as("stopped former primary, nobody leads: remember to check").isEqualTo(CHECKING);
        m = note(unlocked(), replica(3, replay, "in archive recovery"), m).memory();
        assertThat(m).as("running as a replica while unlocked: still checking").isEqualTo(CHECKING);
        DivergenceRule.Result r = note(ledBy("pg0", 3, false), replica(3, replay, "in archive recovery"), m);
        assertThat(r.memory()).as("pg0 won but has not promoted yet: keep checking").isEqualTo(CHECKING);
        assertThat(r.info()).isNull();
        return r.memory();
    }

    @Test
    void coldRestartedFormerPrimaryPastTheForkPointIsRewound() {
        NodeMemory m = coldRestartUntilPg0Promoted(FORK + 120);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 3 lsn 1120 is past the point 1000 where pg0 forked timeline 4:"
                + " rewind needed");
    }

    @Test
    void coldRestartedFormerPrimaryAtTheForkPointFollows() {
        NodeMemory m = coldRestartUntilPg0Promoted(FORK);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(r.info()).isNull();
    }

    @Test
    void withoutAReplayPositionTheWalPositionIsCompared() {
        LocalPostgres noReplay = new LocalPostgres(ProcessState.RUNNING, false, Scenario.SYSID, true,
                "in archive recovery", 3, FORK + 1, FORK + 1, null, null, "pg0", null);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), noReplay, CHECKING);
        assertThat(r.memory().rewindOrReinitNeeded()).isTrue();
        assertThat(r.info()).contains("lsn 1001 is past the point 1000");
    }

    @Test
    void theNewLeaderWithoutHistoryYetMeansCheckAgainNextCycle() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, false), replica(3, FORK + 120, "in archive recovery"),
                CHECKING);
        assertThat(r.memory()).isEqualTo(CHECKING);
        assertThat(r.info()).isNull();
    }

    @Test
    void streamingOnTheLeadersTimelineClearsTheCheck() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(4, FORK + 500, "streaming"), CHECKING);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(r.info()).isNull();
    }

    @Test
    void streamingAnOlderTimelineIsStillCompared() {
        // streaming on timeline 3 from a leader that already published 4 proves nothing about the fork
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 1, "streaming"), CHECKING);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
    }

    @Test
    void unknownTimelinesKeepChecking() {
        assertThat(note(ledBy("pg0", 4, true), replica(0, FORK + 1, "in archive recovery"), CHECKING).memory())
                .as("my timeline unknown").isEqualTo(CHECKING);
        assertThat(note(ledBy("pg0", null, true), replica(3, FORK + 1, "in archive recovery"), CHECKING).memory())
                .as("leader's timeline unknown").isEqualTo(CHECKING);
    }

    @Test
    void aReplicaThatNeverWasPrimaryIsNotChecked() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"),
                NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void theLeaderClearsTheCheck() {
        DivergenceRule.Result r = DivergenceRule.note(ledBy("pg1", 4, true), replica(3, FORK + 120, "streaming"),
                CHECKING, "pg1", false);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(DivergenceRule.note(ledBy("pg1", 4, true), stopped("shut down"), NodeMemory.INITIAL, "pg1", false)
                .memory()).as("the lock holder's own stopped data directory is its own history")
                .isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void aBackgroundTaskLeavesTheMemoryAlone() {
        LocalPostgres diverged = replica(3, FORK + 120, "in archive recovery");
        DivergenceRule.Result r = DivergenceRule.note(ledBy("pg0", 4, true), diverged, CHECKING, "pg1", true);
        assertThat(r.memory()).isEqualTo(CHECKING);
        assertThat(r.info()).isNull();
        // a former primary seen stopped during a task is remembered, but judged only once the task is over
        r = DivergenceRule.note(ledBy("pg0", 4, true), stopped("shut down"), NodeMemory.INITIAL, "pg1", true);
        assertThat(r.memory()).isEqualTo(CHECKING);
        assertThat(r.info()).isNull();
    }

    @Test
    void anEmptyDataDirectoryLeavesTheMemoryAlone() {
        assertThat(note(ledBy("pg0", 4, true), emptyDataDir(), CHECKING)).isEqualTo(new DivergenceRule.Result(CHECKING,
                null));
        assertThat(note(ledBy("pg0", 4, true), emptyDataDir(), NodeMemory.INITIAL))
                .isEqualTo(new DivergenceRule.Result(NodeMemory.INITIAL, null));
    }

    @Test
    void noLeaderOrNoDcsOnlyRemembersToCheck() {
        assertThat(note(unlocked(), replica(3, FORK + 120, "in archive recovery"), CHECKING))
                .isEqualTo(new DivergenceRule.Result(CHECKING, null));
        assertThat(note(null, stopped("in production"), NodeMemory.INITIAL))
                .isEqualTo(new DivergenceRule.Result(CHECKING, null));
        assertThat(note(null, replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL))
                .isEqualTo(new DivergenceRule.Result(NodeMemory.INITIAL, null));
    }

    @Test
    void aRewindAlreadyPendingIsNotReported() {
        NodeMemory pending = NodeMemory.INITIAL.withRewindOrReinitNeeded(true);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), stopped("in production"), pending);
        assertThat(r.memory()).isEqualTo(pending.withCheckDivergedLsn(true));
        assertThat(r.info()).isNull();
    }

    @Test
    void otherMemoryFieldsPassThrough() {
        NodeMemory m = NodeMemory.INITIAL.withPreferNoRaceUntil(42).withStartingAsPrimarySince(7);
        assertThat(note(ledBy("pg0", 4, true), stopped("in production"), m).memory())
                .isEqualTo(m.withRewindOrReinitNeeded(true));
    }
}
