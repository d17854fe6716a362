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

    private static ClusterView paused(ClusterView c) {
        ClusterView p = new ClusterView(c.initialize(), new dev.regent.core.model.ClusterConfig(1,
                java.util.Map.of("pause", true)), c.leader(), c.status(), c.members(), c.failover(), c.sync(),
                c.history(), c.failsafe());
        assertThat(p.isPaused()).isTrue();
        return p;
    }

    private static ClusterView unlocked() {
        return ledBy(null, null, false);
    }

    /** The leader answers GET /patroni as a running primary: the rule may judge a running replica. */
    private static DivergenceRule.Result note(ClusterView c, LocalPostgres l, NodeMemory m) {
        PeerStatus leader = c == null || c.leader() == null ? null
                : new PeerStatus(c.leader().name(), true, true, 2_000, 4, 1, true);
        return DivergenceRule.note(c, l, m, "pg1", false, leader);
    }

    private static DivergenceRule.Result noteWithLeaderAnswer(ClusterView c, LocalPostgres l, NodeMemory m,
                                                              PeerStatus leader) {
        return DivergenceRule.note(c, l, m, "pg1", false, leader);
    }

    @ParameterizedTest(name = "a primary stopped as \"{0}\" while pg0 holds the lock is rewound first")
    @ValueSource(strings = {"in production", "shut down", "shutting down", "in crash recovery"})
    void killedPrimaryWhileAnotherHoldsTheLock(String controlState) {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), stopped(controlState), NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo(KILLED_PRIMARY_INFO);
    }

    /** A primary killed on timeline 3 (which began at 500, as in the leader's history) whose last record is at {@code last}. */
    private static LocalPostgres crashed(String controlState, Long last) {
        return stopped(controlState).withTimelineStartLsn(500L).withLastWalRecord(last);
    }

    private static final String FOLLOWS_INFO = "the data directory was last a primary and its WAL ends before 1000"
            + " where pg0's history left timeline 3: following it without pg_rewind";

    @ParameterizedTest(name = "a primary stopped as \"{0}\" whose last record begins before the fork follows as it is")
    @ValueSource(strings = {"in production", "shutting down", "in crash recovery"})
    void aKilledPrimaryWhoseWalEndsBeforeTheForkFollowsWithoutRewind(String controlState) {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), crashed(controlState, FORK - 40), NodeMemory.INITIAL);
        assertThat(r.memory()).as("no rewind, and the started replica is checked again").isEqualTo(CHECKING);
        assertThat(r.info()).isEqualTo(FOLLOWS_INFO);
    }

    @Test
    void aKilledPrimaryThatFollowedWithoutRewindIsStillJudgedOnceRunning() {
        NodeMemory m = note(ledBy("pg0", 4, true), crashed("in production", FORK - 40), NodeMemory.INITIAL).memory();
        // crash recovery in standby mode stopped where the WAL ended; PostgreSQL streams on into timeline 4
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK - 10, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        // had its WAL gone past the fork after all, the running replica would be rewound
        r = note(ledBy("pg0", 4, true), replica(3, FORK + 10, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
    }

    @Test
    void aKilledPrimaryWithARecordAtOrPastTheForkIsRewound() {
        for (long last : new long[] {FORK, FORK + 1, 5_000}) {
            DivergenceRule.Result r = note(ledBy("pg0", 4, true), crashed("in production", last), NodeMemory.INITIAL);
            assertThat(r.memory()).as("last record at %d", last)
                    .isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
            assertThat(r.info()).isEqualTo(KILLED_PRIMARY_INFO);
        }
    }

    @Test
    void withoutProofOfAPrefixAKilledPrimaryIsRewound() {
        NodeMemory rewind = NodeMemory.INITIAL.withRewindOrReinitNeeded(true);
        assertThat(note(ledBy("pg0", 4, true), crashed("in production", null), NodeMemory.INITIAL).memory())
                .as("last record unknown").isEqualTo(rewind);
        assertThat(note(ledBy("pg0", 4, true), crashed("shut down", FORK - 40), NodeMemory.INITIAL).memory())
                .as("a clean shutdown: pg_rewind's own check is exact and cheap").isEqualTo(rewind);
        assertThat(note(ledBy("pg0", 3, false), crashed("in production", FORK - 40), NodeMemory.INITIAL).memory())
                .as("/history does not say where the leader left timeline 3 (yet)").isEqualTo(rewind);
        LocalPostgres otherBegin = stopped("in production").withTimelineStartLsn(600L).withLastWalRecord(FORK - 40);
        assertThat(note(ledBy("pg0", 4, true), otherBegin, NodeMemory.INITIAL).memory())
                .as("timeline 3 began elsewhere than the leader's timeline 3: another member's").isEqualTo(rewind);
        LocalPostgres noBegin = stopped("in production").withLastWalRecord(FORK - 40);
        assertThat(note(ledBy("pg0", 4, true), noBegin, NodeMemory.INITIAL).memory())
                .as("where timeline 3 began is unknown").isEqualTo(rewind);
        ClusterView twice = ledBy("pg0", 4, true);
        List<TimelineHistory.Entry> entries = new ArrayList<>(twice.history().entries());
        entries.add(new TimelineHistory.Entry(3, FORK + 500, "no recovery target", null, "pg2"));
        ClusterView ambiguous = new ClusterView(twice.initialize(), twice.config(), twice.leader(), twice.status(),
                twice.members(), twice.failover(), twice.sync(), new TimelineHistory(1, entries), twice.failsafe());
        assertThat(note(ambiguous, crashed("in production", FORK - 40), NodeMemory.INITIAL).memory())
                .as("two entries for timeline 3").isEqualTo(rewind);
    }

    @Test
    void onTimelineOneNoBeginningIsNeeded() {
        LocalPostgres first = new LocalPostgres(ProcessState.STOPPED, false, Scenario.SYSID, null, "in production", 1,
                90, null, null, null, null, null).withLastWalRecord(90L);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), first, NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(CHECKING);
        assertThat(r.info()).isEqualTo("the data directory was last a primary and its WAL ends before 100 where pg0's"
                + " history left timeline 1: following it without pg_rewind");
        LocalPostgres past = new LocalPostgres(ProcessState.STOPPED, false, Scenario.SYSID, null, "in production", 1,
                100, null, null, null, null, null).withLastWalRecord(100L);
        assertThat(note(ledBy("pg0", 4, true), past, NodeMemory.INITIAL).memory())
                .isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
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
        assertThat(note(ledBy("pg0", null, false), replica(3, FORK + 1, "in archive recovery"), CHECKING).memory())
                .as("leader's timeline unknown, nothing in /history").isEqualTo(CHECKING);
        // with the fork in /history the leader's timeline is known from there (theLeadersNewTimelineIs...)
    }

    // ---- running replicas stuck behind a fork (never primary, or a former primary that did not stop) ----
    private static final String STUCK_INFO = "local timeline 3 lsn 1120 is past the point 1000 where pg0's history"
            + " left timeline 3: rewind needed";

    /** Case 1: pg1 never was a primary; it replayed pg2's timeline 3 past where pg0 (lagging less) forked 4. */
    @Test
    void aNeverPrimaryReplicaThatReplayedPastTheForkIsRewound() {
        NodeMemory m = note(ledBy("pg0", 3, false), replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory();
        assertThat(m).as("pg0 won but has not promoted yet: nothing to compare").isEqualTo(NodeMemory.INITIAL);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo(STUCK_INFO);
    }

    /** Case 2: pg1 (never primary) was stopped across the fork and starts again past it. */
    @Test
    void aNeverPrimaryReplicaRestartedAfterTheForkIsRewoundOnceRunning() {
        NodeMemory m = note(ledBy("pg0", 4, true), stopped("shut down in recovery"), NodeMemory.INITIAL).memory();
        assertThat(m).as("a stopped replica is started first").isEqualTo(NodeMemory.INITIAL);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo(STUCK_INFO);
    }

    /** Case 3: pg1 was the primary of timeline 3, lost the lock and was demoted in place, never seen stopped. */
    @Test
    void aFormerPrimaryDemotedWhileRunningIsRewound() {
        LocalPostgres wasPrimary = new LocalPostgres(ProcessState.RUNNING, false, Scenario.SYSID, false,
                "in production", 3, FORK + 120, null, null, null, null, null);
        NodeMemory m = note(ledBy("pg0", 3, false), wasPrimary, NodeMemory.INITIAL).memory();
        assertThat(m).isEqualTo(NodeMemory.INITIAL);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo(STUCK_INFO);
    }

    /** Case 4: pg1, a killed primary, was restarted as a replica while the DCS was unreadable, then pg0 led. */
    @Test
    void aFormerPrimaryRestartedWithoutSeeingTheLeaderIsRewound() {
        NodeMemory m = note(null, stopped("in production"), NodeMemory.INITIAL).memory();
        assertThat(m).isEqualTo(CHECKING);
        m = note(null, replica(3, FORK + 120, "in archive recovery"), m).memory();
        assertThat(m).as("started as a replica without a DCS: still checking").isEqualTo(CHECKING);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), m);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 3 lsn 1120 is past the point 1000 where pg0 forked timeline 4:"
                + " rewind needed");
    }

    /**
     * The CI failure this gate fixes (PauseEndToEndTest): pg0 leads on timeline 4 and was just killed while its lock
     * is still held (paused, or before ttl). Its replicas stop streaming; the DCS still shows it as the leader on
     * timeline 4 with /history. A leader that does not answer, or answers with postgres not running, proves
     * nothing: no rewind is decided and the replica keeps running, even where the DCS alone would say "rewind".
     */
    @ParameterizedTest(name = "leader answer: {0}")
    @ValueSource(strings = {"not asked", "unreachable", "postgres not running", "not a primary", "another member"})
    void aLeaderJustKilledWithItsLockStillHeldDecidesNoRewind(String answer) {
        PeerStatus leader = switch (answer) {
            case "not asked" -> null;
            case "unreachable" -> PeerStatus.unreachable("pg0");
            case "postgres not running" -> new PeerStatus("pg0", true, false, 0, 4, 1, false);
            case "not a primary" -> new PeerStatus("pg0", true, false, 2_000, 4, 1, true);
            case "another member" -> new PeerStatus("pg2", true, true, 2_000, 4, 1, true);
            default -> throw new IllegalArgumentException(answer);
        };
        for (ClusterView c : List.of(ledBy("pg0", 4, true), paused(ledBy("pg0", 4, true)))) {
            for (NodeMemory m : List.of(NodeMemory.INITIAL, CHECKING)) {
                DivergenceRule.Result r = noteWithLeaderAnswer(c, replica(3, FORK + 120, "in archive recovery"), m,
                        leader);
                assertThat(r.memory()).as("no rewind decided; the check stays as it was").isEqualTo(m);
                assertThat(r.info()).isNull();
            }
        }
        assertThat(note(ledBy("pg0", 4, true), replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory().rewindOrReinitNeeded()).as("the same evidence, with the leader answering").isTrue();
    }

    /** A killed primary's own data directory is still checked (the rewind then checks its source before starting). */
    @Test
    void aStoppedFormerPrimaryIsCheckedWhateverTheLeaderAnswers() {
        assertThat(noteWithLeaderAnswer(ledBy("pg0", 4, true), stopped("in production"), NodeMemory.INITIAL,
                PeerStatus.unreachable("pg0")).memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
    }

    /** Streaming on the leader's timeline ends a former primary's check without asking the leader. */
    @Test
    void streamingTheLeadersTimelineClearsTheCheckWithoutTheLeadersAnswer() {
        assertThat(noteWithLeaderAnswer(ledBy("pg0", 4, true), replica(4, FORK + 120, "streaming"), CHECKING, null)
                .memory()).isEqualTo(NodeMemory.INITIAL);
    }

    /** The plan asks the leader whenever the rule may judge a running replica, and only then. */
    @Test
    void theRuleJudgesARunningReplicaOnlyWhenItDoesNotStreamTheLeadersTimeline() {
        assertThat(DivergenceRule.judgesRunningReplica(ledBy("pg0", 4, true),
                replica(3, FORK + 120, "in archive recovery"), "pg1")).isTrue();
        assertThat(DivergenceRule.judgesRunningReplica(ledBy("pg0", 4, true), replica(3, FORK + 120, "streaming"),
                "pg1")).as("streaming an older timeline").isTrue();
        assertThat(DivergenceRule.judgesRunningReplica(ledBy("pg0", 4, true), replica(4, FORK + 120, "streaming"),
                "pg1")).isFalse();
        assertThat(DivergenceRule.judgesRunningReplica(ledBy("pg1", 4, true),
                replica(3, FORK + 120, "in archive recovery"), "pg1")).as("the lock is mine").isFalse();
        assertThat(DivergenceRule.judgesRunningReplica(unlocked(), replica(3, FORK + 120, "in archive recovery"),
                "pg1")).isFalse();
        assertThat(DivergenceRule.judgesRunningReplica(ledBy("pg0", 4, true), stopped("shut down"), "pg1")).isFalse();
    }

    @Test
    void aReplicaAtOrBeforeTheForkFollowsOnItsOwn() {
        assertThat(note(ledBy("pg0", 4, true), replica(3, FORK, "in archive recovery"), NodeMemory.INITIAL))
                .isEqualTo(new DivergenceRule.Result(NodeMemory.INITIAL, null));
        assertThat(note(ledBy("pg0", 4, true), replica(3, FORK - 10, "in archive recovery"), NodeMemory.INITIAL))
                .isEqualTo(new DivergenceRule.Result(NodeMemory.INITIAL, null));
    }

    @Test
    void theReplayPositionNotTheReceivedOneIsCompared() {
        // received past the fork, replayed before it: the startup process may still switch to timeline 4; a later
        // cycle sees the replay position if it goes past the fork
        LocalPostgres received = new LocalPostgres(ProcessState.RUNNING, false, Scenario.SYSID, true,
                "in archive recovery", 3, FORK + 120, FORK + 120, FORK - 10, "in archive recovery", "pg0", null);
        assertThat(note(ledBy("pg0", 4, true), received, NodeMemory.INITIAL).memory()).isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void aNeverPrimaryReplicaIsLeftAloneWhileStreamingOrWithoutANewerLeaderTimelineOrHistory() {
        assertThat(note(ledBy("pg0", 4, true), replica(3, FORK + 120, "streaming"), NodeMemory.INITIAL).memory())
                .as("streaming").isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", 3, false), replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory()).as("the leader publishes my timeline, no fork of it in /history").isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", null, false), replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory()).as("the leader's timeline unknown").isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", 4, false), replica(3, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory()).as("no fork of my timeline in /history yet").isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", 4, true), replica(4, FORK + 120, "in archive recovery"), NodeMemory.INITIAL)
                .memory()).as("already on the leader's timeline").isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void theLeadersNewTimelineIsTakenFromHistoryBeforeItIsPublished() {
        for (Integer published : new Integer[] {3, null}) {
            DivergenceRule.Result r = note(ledBy("pg0", published, true), replica(3, FORK + 120,
                    "in archive recovery"), NodeMemory.INITIAL);
            assertThat(r.memory()).as("published %s", published)
                    .isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
            assertThat(r.info()).isEqualTo(STUCK_INFO);
        }
    }

    /** /history lost the entry of timeline 3 (a write failed after a promotion); timeline 4 ended at 1500. */
    @Test
    void aMissingEntryIsBoundedByTheFirstLaterOne() {
        ClusterView c = ledBy("pg0", 5, false);
        List<TimelineHistory.Entry> entries = new ArrayList<>(c.history().entries());
        entries.add(new TimelineHistory.Entry(4, 1_500, "no recovery target", null, "pg0"));
        ClusterView gap = withHistory(c, entries);
        assertThat(note(gap, replica(3, 1_400, "in archive recovery"), NodeMemory.INITIAL).memory())
                .as("before the bound: may still be on the leader's lineage").isEqualTo(NodeMemory.INITIAL);
        DivergenceRule.Result r = note(gap, replica(3, 1_600, "in archive recovery"), NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 3 lsn 1600 is past the point 1500 where pg0's history left"
                + " timeline 3: rewind needed");
    }

    /** pg1 promoted timeline 3 to 4 at 800 and lost the lock before anyone followed; pg0 promoted 3 to 4 at 1000. */
    @Test
    void anotherMembersTimelineOfTheSameNumberIsRewound() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(4, 800, "in archive recovery"),
                NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 lsn 800 is before the point 1000 where pg0's timeline 4"
                + " began: it is another member's timeline 4: rewind needed");
        assertThat(note(ledBy("pg0", 4, true), replica(4, FORK, "in archive recovery"), NodeMemory.INITIAL).memory())
                .as("at the start of the leader's timeline 4").isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", 4, true), replica(4, 800, "streaming"), NodeMemory.INITIAL).memory())
                .as("streaming proves it is the leader's").isEqualTo(NodeMemory.INITIAL);
    }

    /** As above, but pg1's timeline 4 began at 900 (its history file) and it replayed past pg0's start of 4. */
    @Test
    void anotherMembersTimelineIsKnownByWhereItBegan() {
        LocalPostgres other = replica(4, FORK + 50, "in archive recovery").withTimelineStartLsn(900L);
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), other, NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 began at 900, pg0's timeline 4 at 1000: it is another"
                + " member's timeline 4: rewind needed");
        LocalPostgres same = replica(4, FORK + 50, "in archive recovery").withTimelineStartLsn(FORK);
        assertThat(note(ledBy("pg0", 4, true), same, NodeMemory.INITIAL).memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(note(ledBy("pg0", 4, false), other, NodeMemory.INITIAL).memory())
                .as("the start of the leader's timeline 4 not in /history").isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void aTimelineNewerThanTheLeadersIsRewound() {
        DivergenceRule.Result r = note(ledBy("pg0", 3, false), replica(4, 900, "in archive recovery"),
                NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 is newer than timeline 3 of pg0: rewind needed");
        assertThat(note(ledBy("pg0", 3, true), replica(4, FORK + 10, "in archive recovery"), NodeMemory.INITIAL)
                .memory()).as("/history shows the leader promoted to 4 already").isEqualTo(NodeMemory.INITIAL);
    }

    /**
     * The orphan timeline: pg2 promoted 3 to 4 at {@value #FORK} and was lost; pg1 followed it onto 4 and received a
     * record of it. pg0, still on 3, wrote 4's history file before promoting, so PostgreSQL named its timeline 5, and
     * /history holds 5's history file: its last line says 5 forked off 3 at the same point. Timeline 4 has the
     * number and the start a child of 3 would have, but is not on pg0's history: PostgreSQL cannot follow it.
     */
    @Test
    void aReplicaOnAnOrphanTimelineIsRewound() {
        LocalPostgres onLostFour = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        DivergenceRule.Result r = note(ledBy("pg0", 5, true), onLostFour, NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 is not on pg0's history (its timeline 5 forked off timeline 3):"
                + " another member's lost timeline: rewind needed");
        assertThat(DivergenceRule.orphanTimeline(ledBy("pg0", 5, true), 4)).isTrue();
        assertThat(note(ledBy("pg0", 5, true), replica(4, FORK + 40, "streaming"), NodeMemory.INITIAL).memory())
                .as("streaming proves it is on the leader's history").isEqualTo(NodeMemory.INITIAL);
    }

    /**
     * pg0 kept running on timeline 3 (frozen, then given the lock without promoting) and wrote past {@value #FORK},
     * where pg2 had promoted 3 to 4 before it was lost; /history names pg2's timeline 4, pg1 followed pg2 onto it.
     */
    @Test
    void aLeaderThatKeptWritingOnTheParentPastWhereMyTimelineBeganIsRewoundFrom() {
        ClusterView c = withLeaderPosition(ledBy("pg0", 3, true), FORK + 500);
        LocalPostgres onFour = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        DivergenceRule.Result r = note(c, onFour, NodeMemory.INITIAL);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 began at 1000, but pg0 is on timeline 3 at 1500 past that"
                + " point: rewind needed");
        assertThat(note(withLeaderPosition(ledBy("pg0", 3, true), FORK), onFour, NodeMemory.INITIAL).memory())
                .as("the leader published its old timeline up to the fork: its promotion is not published yet")
                .isEqualTo(NodeMemory.INITIAL);
    }

    private static ClusterView withLeaderPosition(ClusterView c, long position) {
        Member m = c.leader().member();
        MemberData d = m.data();
        MemberData moved = new MemberData(d.connUrl(), d.apiUrl(), d.proxyUrl(), d.state(), d.role(), d.version(),
                position, d.receiveLsn(), d.replayLsn(), d.replicationState(), d.timeline(), d.tags(),
                d.pendingRestart(), d.pendingRestartReason(), d.scheduledRestart(), d.checkpointAfterPromote(),
                d.pause(), d.extra());
        Member leader = new Member(m.name(), m.version(), m.session(), moved);
        return new ClusterView(c.initialize(), c.config(), new Leader(c.leader().name(), 3, "lease", leader),
                c.status(), c.members(), c.failover(), c.sync(), c.history(), null);
    }

    /** pg_rewind's "no rewind required" fixes neither an orphan timeline nor another member's timeline 4. */
    @Test
    void aRewindThatFoundNothingLeavesTheseTimelinesUnfollowable() {
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 5, true), 4, FORK))
                .isEqualTo("timeline 4 is not on pg0's history");
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 4, 800L))
                .isEqualTo("timeline 4 began at 800, pg0's timeline 4 at 1000: another member's timeline of the same"
                        + " number");
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 4, FORK)).as("the leader's").isNull();
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 3, 500L)).as("its parent").isNull();
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 4, null)).as("unknown start")
                .isNull();
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, false), 4, 800L))
                .as("the leader's start of 4 not recorded").isNull();
    }

    /**
     * MixedClusterTest (CI, moved aside for nothing): pg0 just promoted from timeline 3 at 1000 and wrote /history,
     * but its member key still shows the timeline it promoted from. This node's timeline 3 began at 500, as pg0's
     * did: pg_rewind rightly found no rewind required, and it can follow pg0's new timeline. The last entry of
     * /history is where the published timeline ended, not where it began.
     */
    @Test
    void aLeaderStillPublishingTheTimelineItPromotedFromProvesNoOtherMembersTimeline() {
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 3, true), 3, 500L)).isNull();
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 3, true), 3, 700L))
                .as("one that began elsewhere is still caught once pg0 publishes 4, by the decider's next check")
                .isNull();
        assertThat(note(ledBy("pg0", 4, true), replica(3, FORK, "in archive recovery").withTimelineStartLsn(700L),
                NodeMemory.INITIAL).memory().rewindOrReinitNeeded()).isTrue();
    }

    @Test
    void theLeadersAncestorsAreNoOrphans() {
        assertThat(note(ledBy("pg0", 5, true), replica(3, FORK, "in archive recovery"), NodeMemory.INITIAL).memory())
                .as("timeline 3 at the fork point: 5's parent").isEqualTo(NodeMemory.INITIAL);
        for (int t = 1; t <= 3; t++) assertThat(DivergenceRule.orphanTimeline(ledBy("pg0", 5, true), t)).isFalse();
        assertThat(DivergenceRule.orphanTimeline(ledBy("pg0", 5, true), 5)).as("the leader's own").isFalse();
        assertThat(DivergenceRule.orphanTimeline(ledBy("pg0", 4, true), 4)).isFalse();
    }

    /** pg0 published timeline 5 but /history still ends at 2's switch (its write is pending or lost): 4 may be 5's parent. */
    @Test
    void aHistoryLaggingTheLeadersPromotionProvesNoOrphan() {
        ClusterView lagging = ledBy("pg0", 5, false);
        assertThat(DivergenceRule.orphanTimeline(lagging, 4)).isFalse();
        assertThat(note(lagging, replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK),
                NodeMemory.INITIAL).memory()).isEqualTo(NodeMemory.INITIAL);
        ClusterView othersLast = withHistory(ledBy("pg0", 5, true), List.of(
                new TimelineHistory.Entry(1, 100, "no recovery target", null, null),
                new TimelineHistory.Entry(2, 500, "no recovery target", null, null),
                new TimelineHistory.Entry(3, FORK, "no recovery target", null, "pg2")));
        assertThat(DivergenceRule.orphanTimeline(othersLast, 4))
                .as("the last entry is pg2's promotion to 4: pg0's own may still be coming").isFalse();
    }

    @Test
    void aFormerPrimaryStillCheckingIsAlsoJudgedOnTheLeadersHistory() {
        DivergenceRule.Result r = note(ledBy("pg0", 4, true), replica(4, 800, "in archive recovery"), CHECKING);
        assertThat(r.memory().rewindOrReinitNeeded()).isTrue();
    }

    private static ClusterView withHistory(ClusterView c, List<TimelineHistory.Entry> entries) {
        return new ClusterView(c.initialize(), c.config(), c.leader(), c.status(), c.members(), c.failover(), c.sync(),
                new TimelineHistory(1, entries), null);
    }

    @Test
    void theLeaderClearsTheCheck() {
        DivergenceRule.Result r = DivergenceRule.note(ledBy("pg1", 4, true), replica(3, FORK + 120, "streaming"),
                CHECKING, "pg1", false, null);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(DivergenceRule.note(ledBy("pg1", 4, true), stopped("shut down"), NodeMemory.INITIAL, "pg1", false,
                null)
                .memory()).as("the lock holder's own stopped data directory is its own history")
                .isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void aBackgroundTaskLeavesTheMemoryAlone() {
        LocalPostgres diverged = replica(3, FORK + 120, "in archive recovery");
        DivergenceRule.Result r = DivergenceRule.note(ledBy("pg0", 4, true), diverged, CHECKING, "pg1", true, null);
        assertThat(r.memory()).isEqualTo(CHECKING);
        assertThat(r.info()).isNull();
        // a former primary seen stopped during a task is remembered, but judged only once the task is over
        r = DivergenceRule.note(ledBy("pg0", 4, true), stopped("shut down"), NodeMemory.INITIAL, "pg1", true, null);
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

    // ---- this node's own promotion, lost before /history (simulator, fast profile, seeds 1254 and 1736) ----

    private static DivergenceRule.Result noteOwn(ClusterView c, LocalPostgres l, int ownPromotion) {
        PeerStatus leader = new PeerStatus(c.leader().name(), true, true, 2_000, 4, 1, true);
        return DivergenceRule.note(c, l, NodeMemory.INITIAL.withOwnPromotion(ownPromotion), "pg1", false, leader);
    }

    /** /history with pg0's promotion to 4 at {@value #FORK}, then pg0's promotion from 4 to 5. */
    private static ClusterView ledOnFiveBy(String creatorOfFour) {
        ClusterView c = ledBy("pg0", 5, false);
        List<TimelineHistory.Entry> history = new ArrayList<>(c.history().entries());
        history.add(new TimelineHistory.Entry(3, FORK, "no recovery target", null, creatorOfFour));
        history.add(new TimelineHistory.Entry(4, 5_000, "no recovery target", null, "pg0"));
        return new ClusterView(c.initialize(), c.config(), c.leader(), c.status(), c.members(), c.failover(), c.sync(),
                new TimelineHistory(1, history), c.failsafe());
    }

    /**
     * Seed 1254: pg1 promoted from 3 to 4 at {@value #FORK}, and was cut off from the DCS just as the promotion
     * finished, so /history never heard of it. pg0 then promoted from 3 at the same point to the same number 4. The two
     * history files are identical, pg_rewind finds "no rewind required", and pg1's own timeline 4 can never stream
     * pg0's. Only pg1 knows that its timeline 4 is its own: /history names pg0 as the one that promoted to 4.
     */
    @Test
    void ownUnpublishedPromotionToTheLeadersTimelineNumberIsAnotherMembersTimeline() {
        LocalPostgres mine = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        assertThat(noteOwn(ledBy("pg0", 4, true), mine, 0).memory()).as("without the memory: Patroni's blind spot")
                .isEqualTo(NodeMemory.INITIAL);
        DivergenceRule.Result r = noteOwn(ledBy("pg0", 4, true), mine, 4);
        assertThat(r.memory()).isEqualTo(NodeMemory.INITIAL.withOwnPromotion(4).withRewindOrReinitNeeded(true));
        assertThat(r.info()).isEqualTo("local timeline 4 is this node's own promotion, but pg0's history has pg0"
                + " promoting to timeline 4: another member's timeline of the same number: rewind needed");
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 4, FORK, "pg1", 4))
                .as("pg_rewind's \"no rewind required\" does not make it followable")
                .isEqualTo("timeline 4 is this node's own promotion, pg0's history has pg0's: another member's"
                        + " timeline of the same number");
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledBy("pg0", 4, true), 4, FORK, "pg1", 0)).isNull();
        assertThat(noteOwn(ledBy("pg0", 4, true), replica(4, FORK + 40, "streaming"), 4).memory())
                .as("a streaming replica is never judged").isEqualTo(NodeMemory.INITIAL.withOwnPromotion(4));
    }

    /** The rule forgets the own promotion first: a data directory on another timeline no longer holds it. */
    @Test
    void anOwnPromotionNoLongerOnDiskIsForgottenBeforeJudging() {
        LocalPostgres rewoundToFive = replica(5, FORK + 40, "in archive recovery");
        DivergenceRule.Result r = noteOwn(ledOnFiveBy("pg0"), rewoundToFive, 4);
        assertThat(r.memory().ownPromotion()).isZero();
        LocalPostgres mine = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        PeerStatus leader = new PeerStatus("pg0", true, true, 2_000, 4, 1, true);
        assertThat(DivergenceRule.note(ledBy("pg0", 4, true), mine, NodeMemory.INITIAL.withOwnPromotion(4), "pg1",
                true, leader).memory()).as("a background task owns the data directory: nothing judged, nothing"
                + " forgotten").isEqualTo(NodeMemory.INITIAL.withOwnPromotion(4));
    }

    /** Seed 1736: the leader moved on from its timeline 4 to 5; pg1 still holds its own timeline 4. */
    @Test
    void ownUnpublishedPromotionToAnAncestorNumberOfTheLeadersTimelineIsAnotherMembersTimeline() {
        LocalPostgres mine = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        assertThat(noteOwn(ledOnFiveBy("pg0"), mine, 0).memory()).isEqualTo(NodeMemory.INITIAL);
        assertThat(noteOwn(ledOnFiveBy("pg0"), mine, 4).memory().rewindOrReinitNeeded()).isTrue();
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledOnFiveBy("pg0"), 4, FORK, "pg1", 4)).isNotNull();
    }

    /** /history names this node's own promotion, or names nobody: nothing proves the timelines differ. */
    @Test
    void ownPromotionThatHistoryRecordsOrCannotAttributeIsFollowable() {
        LocalPostgres mine = replica(4, FORK + 40, "in archive recovery").withTimelineStartLsn(FORK);
        assertThat(noteOwn(ledOnFiveBy("pg1"), mine, 4).memory()).as("pg1's own, published")
                .isEqualTo(NodeMemory.INITIAL.withOwnPromotion(4));
        assertThat(noteOwn(ledOnFiveBy(null), mine, 4).memory()).as("an entry without new_leader")
                .isEqualTo(NodeMemory.INITIAL.withOwnPromotion(4));
        assertThat(DivergenceRule.cannotFollowAfterRewind(ledOnFiveBy("pg1"), 4, FORK, "pg1", 4)).isNull();
        assertThat(DivergenceRule.anotherMembersPromotion(ledBy("pg0", 4, true), 3, "pg1", 4))
                .as("another timeline than the own promotion").isNull();
        assertThat(DivergenceRule.anotherMembersPromotion(ledBy("pg0", 3, true), 4, "pg1", 4))
                .as("the leader has not published the timeline it created yet").isNull();
    }
}
