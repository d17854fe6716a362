package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.ActionOutcome;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor's I/O ordering guarantees and its side of the decider's memory contract, against the in-memory DCS and a
 * recording PostgreSQL port (the real PostgreSQL paths are covered by regent-postgres and the end-to-end tests).
 */
class ActionExecutorTest {
    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final RecordingPostgres pg = new RecordingPostgres();
    private final AtomicLong now = new AtomicLong(1_000);
    private final BackgroundSlot slot = new BackgroundSlot(() -> { });
    private final ActionExecutor executor = new ActionExecutor(dcs, pg, slot, new MillisTicker(now));

    @AfterEach
    void close() {
        slot.close();
        dcs.close();
    }

    private static final LocalPostgres PRIMARY = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1",
            false, null, 1, 100, null, null, null, null, null);

    /** Waits for the background slot's task to end and returns how it ended. */
    private BackgroundRunner.Finished awaitBackground() throws InterruptedException {
        Deadline deadline = Deadline.after(Ticker.SYSTEM, Duration.ofSeconds(10));
        assertThat(deadline.await(() -> slot.running() == null, Duration.ofMillis(5), Sleeper.SYSTEM))
                .as("background task ended").isTrue();
        BackgroundRunner.Finished f = slot.takeFinished();
        assertThat(f).as("a task finished").isNotNull();
        return f;
    }

    private ActionExecutor.Context ctx(ClusterView c) {
        return new ActionExecutor.Context(c, PRIMARY, 30, Duration.ofSeconds(5), "{\"ttl\":30}", false, false);
    }

    @Test
    void acquiringTheLockSetsItsValidityAndWasLeader() throws Exception {
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock()), ctx(dcs.load()),
                NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(r.memory().lockValidUntil()).isEqualTo(1_000 + 30_000);
        assertThat(r.memory().wasLeader()).isTrue();
        assertThat(dcs.load().leader().name()).isEqualTo("pg0");
    }

    @Test
    void bootstrapWritesItsSystemIdOverThePlaceholderAndTakesTheLock() throws Exception {
        assertThat(dcs.initialize(true, null)).isTrue();
        ActionExecutor.Result r = executor.run(List.of(new Action.Bootstrap()), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(f.ok()).isTrue();
        assertThat(f.memoryUpdate().apply(r.memory()).wasLeader()).isTrue();
        ClusterView after = dcs.load();
        assertThat(after.initialize()).isEqualTo("1");
        assertThat(after.leader().name()).isEqualTo("pg0");
    }

    /**
     * Two members bootstrapped (the placeholder of one was cancelled as stalled while it still ran): the one that
     * finds the other's system identifier in initialize leaves it, does not take the lock, and moves its data aside
     * so that it clones from the winner instead of exiting on a system ID mismatch.
     */
    @Test
    void bootstrapThatFindsAnotherMembersSystemIdMovesItsDataAside() throws Exception {
        assertThat(dcs.initialize(true, "7999999999999999999")).isTrue();
        ActionExecutor.Result r = executor.run(List.of(new Action.Bootstrap()), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        BackgroundRunner.Finished f = awaitBackground();
        NodeMemory m = f.memoryUpdate().apply(r.memory());
        assertThat(m.wasLeader()).isFalse();
        assertThat(m.bootstrapFailed()).as("the node stays and clones from the winner").isFalse();
        assertThat(pg.calls).containsSubsequence("bootstrap", "stop immediate", "aside");
        ClusterView after = dcs.load();
        assertThat(after.initialize()).isEqualTo("7999999999999999999");
        assertThat(after.isUnlocked()).isTrue();
    }

    @Test
    void aStalledPlaceholderIsDeletedOnlyAtTheRevisionTheDeciderSaw() throws Exception {
        assertThat(dcs.initialize(true, null)).isTrue();
        long version = dcs.load().initializeVersion();
        assertThat(version).isPositive();
        ActionExecutor.Result stale = executor.run(List.of(new Action.CancelStaleInitialize(version + 100)),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(stale.allSucceeded()).isFalse();
        assertThat(dcs.load().initialize()).isEmpty();
        ActionExecutor.Result r = executor.run(List.of(new Action.CancelStaleInitialize(version)), ctx(dcs.load()),
                NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(dcs.load().initialize()).isNull();
    }

    @Test
    void promotionAppendsTheTimelineItLeftToHistoryInPatronisFormat() throws Exception {
        dcs.setHistoryValue(new TimelineHistory(0, List.of(new TimelineHistory.Entry(1, 50,
                "no recovery target specified", "2026-01-01T00:00:00.000001+00:00", "pg1"))));
        // Before promote the replica still reports timeline 1 (its last restartpoint predates the switch to 2);
        // the promotion created timeline 3, so the timeline left is 2.
        pg.promotedTimeline = 3;
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(f.ok()).isTrue();
        assertThat(f.memoryUpdate().apply(r.memory()).ownPromotion())
                .as("the memory keeps the promotion's timeline as this node's own").isEqualTo(3);
        assertThat(pg.observations).as("what promote reported is all the promotion needs to know").isZero();
        List<TimelineHistory.Entry> entries = dcs.load().history().entries();
        assertThat(entries).extracting(TimelineHistory.Entry::timeline).containsExactly(1, 2);
        TimelineHistory.Entry added = entries.get(1);
        assertThat(added.lsn()).isEqualTo(100);
        assertThat(added.newLeader()).isEqualTo("pg0");
        assertThat(added.timestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00");
    }

    /** A promotion whose timeline postgres did not report: /history gets the one observed after it. */
    @Test
    void promotionWithoutAReportedTimelineObservesIt() throws Exception {
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 3, 120, null,
                null, null, null, null);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(f.ok()).isTrue();
        assertThat(f.memoryUpdate().apply(r.memory()).ownPromotion()).isZero();
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline).containsExactly(2);
    }

    /**
     * Patroni's update_cluster_history on each leader cycle: a primary on timeline 2 whose promotion's /history write
     * was lost (the DCS went away right after the promotion and failsafe mode kept it leading: simulator, seed 4894)
     * writes the timeline it left with its next lock update; once /history names it, nothing more is written.
     */
    @Test
    void aLeaderWhoseHistoryWriteWasLostWritesItWithTheNextLockUpdate() throws Exception {
        assertThat(executor.run(List.of(new Action.AcquireLeaderLock()), ctx(dcs.load()), NodeMemory.INITIAL)
                .allSucceeded()).isTrue();
        LocalPostgres onTwo = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 2, 150,
                null, null, null, null, null);
        pg.observed = onTwo;
        pg.switchLine = new TimelineHistory.Entry(1, 120, "no recovery target specified", null, null);
        ActionExecutor.Context c = new ActionExecutor.Context(dcs.load(), onTwo, 30, Duration.ofSeconds(5),
                "{\"ttl\":30}", false, false);
        assertThat(c.cluster().timeline()).isEqualTo(1);
        assertThat(executor.run(List.of(new Action.UpdateLeaderLock()), c, NodeMemory.INITIAL).allSucceeded())
                .isTrue();
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline,
                TimelineHistory.Entry::lsn, TimelineHistory.Entry::newLeader)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 120L, "pg0"));
        long version = dcs.load().history().version();
        ActionExecutor.Context after = new ActionExecutor.Context(dcs.load(), onTwo, 30, Duration.ofSeconds(5),
                "{\"ttl\":30}", false, false);
        assertThat(executor.run(List.of(new Action.UpdateLeaderLock()), after, NodeMemory.INITIAL).allSucceeded())
                .isTrue();
        assertThat(dcs.load().history().version()).isEqualTo(version);
    }

    /**
     * pg1 promoted 1 to 2 and 2 to 3 and was lost; pg0 is still on timeline 1. Before pg_ctl promote it writes the
     * history files of 2 and 3 (from /history), so PostgreSQL names its timeline 4; the timeline left in /history is
     * the parent its history file names (1 at 120), not 4 minus one.
     */
    @Test
    void promotionWritesTheClustersTimelinesFirstAndRecordsTheRealParent() throws Exception {
        TimelineHistory.Entry one = new TimelineHistory.Entry(1, 50, "no recovery target specified", null, "pg1");
        TimelineHistory.Entry two = new TimelineHistory.Entry(2, 80, "no recovery target specified", null, "pg1");
        dcs.setHistoryValue(new TimelineHistory(0, List.of(one, two)));
        LocalPostgres onOne = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", true,
                "in archive recovery", 1, 120, 120L, 120L, null, null, null);
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 4, 130, null,
                null, null, null, null);
        pg.switchLine = new TimelineHistory.Entry(1, 120, "no recovery target specified", null, null);
        ActionExecutor.Context c = new ActionExecutor.Context(dcs.load(), onOne, 30, Duration.ofSeconds(5),
                "{\"ttl\":30}", false, false);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()), c,
                NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(pg.calls).containsSubsequence("history files [2, 3]", "promote");
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline,
                TimelineHistory.Entry::lsn, TimelineHistory.Entry::newLeader)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 120L, "pg0"));
    }

    /**
     * pg1 leads on timeline 5, forked off 3 at 1000 (its promotion skipped 4, which a lost member promoted to); this
     * node is on that lost timeline 4 with nothing past the fork: pg_rewind finds no rewind required, yet it can never
     * follow. The data directory is moved aside (not removed: remove_data_directory_on_rewind_failure is off).
     */
    @Test
    void aRewindThatLeavesAnOrphanTimelineMovesTheDataDirectoryAside() throws Exception {
        MemberData leaderData = new MemberData(
                "postgres://pg1:5432/postgres", "http://pg1:8008/patroni", null, "running", "primary", "4.0.0", 2_000L,
                null, null, null, 5, null, null, null, null, null, false, null);
        Member pg1 = new Member("pg1", 1, null, leaderData);
        ClusterView c = new ClusterView("1", null, new dev.regent.core.model.Leader("pg1", 3, "lease", pg1), null,
                List.of(pg1), null, null, new TimelineHistory(1, List.of(
                        new TimelineHistory.Entry(1, 100, "no recovery target specified", null, "pg2"),
                        new TimelineHistory.Entry(2, 500, "no recovery target specified", null, "pg2"),
                        new TimelineHistory.Entry(3, 1_000, "no recovery target specified", null, "pg1"))), null);
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, "1", true, "shut down in recovery",
                4, 1_000, null, null, null, null, null);
        ActionExecutor.Context ctx = new ActionExecutor.Context(c, pg.observed, 30, Duration.ofSeconds(5),
                "{\"ttl\":30}", false, true);
        ActionExecutor.Result r = executor.run(List.of(new Action.Rewind("pg1")), ctx, NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(pg.calls).containsSubsequence("rewind", "aside").doesNotContain("remove", "start replica of pg1");
    }

    /**
     * The leader was killed while its lock is still held (paused, or before ttl): the rewind source does not answer.
     * The rewind fails before anything is stopped: the replica keeps running, and the memory keeps the rewind pending
     * so that the decider tries again at a later cycle.
     */
    @Test
    void aRewindSourceThatDoesNotAnswerLeavesTheRunningReplicaAlone() throws Exception {
        pg.rewindSourceProblem = "not accessible or not healthy: Connection refused";
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", true, "in archive recovery",
                1, 1_200, 1_200L, 1_200L, null, "pg1", null);
        ClusterView c = leaderPg1OnTimeline(2);
        ActionExecutor.Context ctx = new ActionExecutor.Context(c, pg.observed, 30, Duration.ofSeconds(5),
                "{\"ttl\":30}", true, true);
        ActionExecutor.Result r = executor.run(List.of(new Action.Rewind("pg1")), ctx, NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).as("handed to the background slot").isTrue();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(pg.calls).containsExactly("check rewind source postgres://pg1:5432/postgres");
        assertThat(f.memoryUpdate().apply(NodeMemory.INITIAL).rewindOrReinitNeeded()).isTrue();
        assertThat(f.wakesLoop()).as("retried at the loop's pace, not at once").isFalse();
    }

    /** A source that answers as a primary: checked first, then postgres is stopped, rewound and started. */
    @Test
    void aHealthyRewindSourceIsCheckedBeforePostgresIsStopped() throws Exception {
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", true, "in archive recovery",
                2, 1_200, 1_200L, 1_200L, null, "pg1", null);
        ActionExecutor.Context ctx = new ActionExecutor.Context(leaderPg1OnTimeline(2), pg.observed, 30,
                Duration.ofSeconds(5), "{\"ttl\":30}", false, true);
        executor.run(List.of(new Action.Rewind("pg1")), ctx, NodeMemory.INITIAL);
        assertThat(awaitBackground().wakesLoop()).as("completed: the next cycle comes at once").isTrue();
        assertThat(pg.calls).containsSubsequence("check rewind source postgres://pg1:5432/postgres", "stop fast",
                "rewind", "start replica of pg1");
    }

    private static ClusterView leaderPg1OnTimeline(int timeline) {
        MemberData leaderData = new MemberData(
                "postgres://pg1:5432/postgres", "http://pg1:8008/patroni", null, "running", "primary", "4.0.0", 2_000L,
                null, null, null, timeline, null, null, null, null, null, false, null);
        Member pg1 = new Member("pg1", 1, null, leaderData);
        return new ClusterView("1", null, new dev.regent.core.model.Leader("pg1", 3, "lease", pg1), null,
                List.of(pg1), null, null, new TimelineHistory(1, List.of(
                        new TimelineHistory.Entry(1, 1_000, "no recovery target specified", null, "pg1"))), null);
    }

    @Test
    void promotionKeepsTheHistoryEntryThePreviousLeaderWroteAfterThisCyclesViewWasRead() throws Exception {
        ClusterView staleView = dcs.load();  // read before the previous leader's history write landed
        PatroniDcs previous = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman",
                "pg1");
        previous.setHistoryValue(new TimelineHistory(0, List.of(new TimelineHistory.Entry(1, 50,
                "no recovery target specified", "2026-01-01T00:00:00.000001+00:00", "pg1"))));
        previous.close();
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 3, 120, null,
                null, null, null, null);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(staleView), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline,
                TimelineHistory.Entry::newLeader).containsExactly(org.assertj.core.groups.Tuple.tuple(1, "pg1"),
                org.assertj.core.groups.Tuple.tuple(2, "pg0"));
    }

    @Test
    void anUndecodableHistoryIsOverwrittenAfterPromotion() throws Exception {
        var other = server.newStore("pg1", Duration.ofSeconds(30));
        other.put("/service/batman/history", "not json", false);
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 2, 120, null,
                null, null, null, null);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline,
                TimelineHistory.Entry::newLeader).containsExactly(org.assertj.core.groups.Tuple.tuple(1, "pg0"));
        other.close();
    }

    @Test
    void aHistoryWriteIsACasOnTheVersionItWasReadAt() throws Exception {
        TimelineHistory one = new TimelineHistory(0, List.of(new TimelineHistory.Entry(1, 50, "r", null, "pg1")));
        assertThat(dcs.setHistoryValue(one, 0)).as("absent").isTrue();
        long version = dcs.load().history().version();
        assertThat(dcs.setHistoryValue(one, 0)).as("exists now").isFalse();
        TimelineHistory two = PromotionHistory.appended(one, new TimelineHistory.Entry(2, 90, "r", null, "pg0"));
        assertThat(dcs.setHistoryValue(two, version)).isTrue();
        assertThat(dcs.setHistoryValue(one, version)).as("stale version").isFalse();
        assertThat(dcs.load().history().entries()).extracting(TimelineHistory.Entry::timeline).containsExactly(1, 2);
    }

    @Test
    void aLostRaceStopsTheListBeforePromotion() throws Exception {
        PatroniDcs other = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman",
                "pg1");
        assertThat(other.attemptToAcquireLeader()).isTrue();
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isFalse();
        assertThat(r.failed()).isInstanceOf(Action.AcquireLeaderLock.class);
        assertThat(pg.calls).doesNotContain("promote");
        other.close();
    }

    @Test
    void aRefusedRenewalDropsTheLockValidityAtOnce() throws Exception {
        PatroniDcs other = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman",
                "pg1");
        assertThat(other.attemptToAcquireLeader()).isTrue();
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(50_000).withWasLeader(true);
        ActionExecutor.Result r = executor.run(List.of(new Action.UpdateLeaderLock()), ctx(dcs.load()), held);
        assertThat(r.allSucceeded()).isFalse();
        assertThat(r.memory().lockValidUntil()).isZero();
        other.close();
    }

    /**
     * Issue 15: the daemon was frozen (SIGSTOP) between the decision, taken on a valid lock, and its actions, for
     * longer than ttl. Nothing of the batch runs as the leader: the renewal is not sent on the stale view (status keeps
     * its optime), /failsafe is not written; the lock counts as lost at once so the next cycle demotes.
     */
    @Test
    void aBatchDecidedBeforeAFreezeLongerThanTtlDoesNothingAsTheLeader() throws Exception {
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(31_000).withWasLeader(true);
        ClusterView decidedOn = dcs.load();
        now.set(45_000);  // SIGCONT 44 s after the decision
        ActionExecutor.Result r = executor.run(List.of(new Action.UpdateLeaderLock(),
                new Action.WriteFailsafe(Map.of("pg0", "http://127.0.0.1:8008/patroni"))), ctx(decidedOn), held);
        assertThat(r.allSucceeded()).isFalse();
        assertThat(r.failed()).isInstanceOf(Action.UpdateLeaderLock.class);
        assertThat(r.outcome().detail()).contains("lapsed");
        assertThat(r.memory().lockValidUntil()).as("the lock is lost").isZero();
        assertThat(dcs.load().status().optime()).as("no renewal sent (it writes optime 100)").isZero();
        assertThat(dcs.load().failsafe()).as("/failsafe not written").isNullOrEmpty();
    }

    /**
     * The freeze falls inside an action of a promoting batch (after the renewal): the promotion is not handed to the
     * background slot (pre_promote never runs), whatever the lease the renewal took before the freeze.
     */
    @Test
    void aFreezeInsideTheBatchHoldsBackTheRestOfIt() throws Exception {
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(31_000).withWasLeader(true);
        pg.onPrepareSlots = () -> now.addAndGet(35_000);  // frozen while creating the slots
        ActionExecutor.Result r = executor.run(List.of(new Action.UpdateLeaderLock(),
                new Action.PrepareReplicationSlots(Set.of("pg1")), new Action.Promote()), ctx(dcs.load()), held);
        assertThat(r.allSucceeded()).isFalse();
        assertThat(r.failed()).isInstanceOf(Action.Promote.class);
        assertThat(pg.calls).contains("create slots [pg1]").doesNotContain("pre_promote", "promote");
        assertThat(slot.running()).isNull();
        assertThat(r.memory().wasLeader()).isTrue();
        assertThat(r.memory().lockValidUntil()).as("renewed at 1000 before the freeze, lapsed at 36000")
                .isEqualTo(31_000);
    }

    /** In pause a primary runs on after its lock lapsed (Patroni): its renewal is still sent. */
    @Test
    void aPausedLeaderWhoseLockLapsedStillRenews() throws Exception {
        assertThat(dcs.setConfigValue("{\"pause\":true}", null)).isTrue();
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        NodeMemory lapsed = NodeMemory.INITIAL.withLockValidUntil(0).withWasLeader(true);
        now.set(45_000);
        ActionExecutor.Result r = executor.run(List.of(new Action.UpdateLeaderLock()), ctx(dcs.load()), lapsed);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(r.memory().lockValidUntil()).isEqualTo(45_000 + 30_000);
    }

    @Test
    void gracefulDemotionStopsPostgresBeforeReleasingTheLock() throws Exception {
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        dcs.touchMember(new MemberData("postgres://127.0.0.1:5433/postgres", null, null, "running", "replica", null,
                null, null, null, null, null, Map.of(), null, null, null, null, false, Map.of()));
        pg.onStop = () -> {
            try {
                pg.leaderAtStop = dcs.load().leader() == null ? null : dcs.load().leader().name();
            } catch (DcsException e) {
                throw new IllegalStateException(e);
            }
        };
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(50_000).withWasLeader(true);
        ActionExecutor.Result r = executor.run(List.of(new Action.Demote(Action.Demote.Mode.GRACEFUL, "pg0")),
                ctx(dcs.load()), held);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(pg.leaderAtStop).as("lock still held while postgres stops").isEqualTo("pg0");
        assertThat(dcs.load().leader()).as("lock released after the stop").isNull();
        assertThat(pg.calls.indexOf("checkpoint")).isLessThan(pg.calls.indexOf("stop fast"));
        assertThat(r.memory().wasLeader()).isFalse();
        assertThat(r.memory().lockValidUntil()).isZero();
    }

    /**
     * Patroni's demote-cluster: a clean stop, the lock kept, the WAL with the shutdown checkpoint archived before
     * postgres starts as the standby leader; an archive that fails does not stop the demotion.
     */
    @Test
    void demoteClusterArchivesTheShutdownCheckpointBetweenTheStopAndTheStart() throws Exception {
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        dev.regent.core.model.StandbyCluster standby = new dev.regent.core.model.StandbyCluster("10.0.0.9", "5433",
                null, "cp /archive/%f %p", null, null, null);
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(50_000).withWasLeader(true);
        for (boolean fails : List.of(false, true)) {
            pg.calls.clear();
            pg.archiveFails = fails;
            executor.run(List.of(new Action.Demote(Action.Demote.Mode.DEMOTE_CLUSTER, null, standby)),
                    ctx(dcs.load()), held);
            awaitBackground();
            assertThat(pg.calls.stream().filter(c -> !c.startsWith("callback")).toList()).as("fails: " + fails)
                    .containsExactly("stop fast", "archive shutdown checkpoint", "start replica of null");
            assertThat(dcs.load().leader().name()).as("the lock is kept").isEqualTo("pg0");
        }
    }

    /** A standby leader's rewind: from the remote primary of standby_cluster, then following it again. */
    @Test
    void aStandbyLeaderRewindsFromTheRemotePrimaryAndFollowsIt() throws Exception {
        dev.regent.core.model.StandbyCluster standby = new dev.regent.core.model.StandbyCluster("10.0.0.9,10.0.0.10",
                "5433,5434", null, null, null, null, null);
        executor.run(List.of(Action.Rewind.fromRemotePrimary(standby)), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(pg.calls).containsExactly("check rewind source postgres://10.0.0.9:5433,10.0.0.10:5434/postgres",
                "stop fast", "rewind", "start replica of null");
    }

    /** Patroni's primary_stop_timeout bounds the stop of every demotion, in synchronous mode only. */
    @Test
    void primaryStopTimeoutBoundsTheDemotingStopOnlyInSynchronousMode() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"primary_stop_timeout\":7}", null)).isTrue();
        demoteAndRecordStops(Action.Demote.Mode.IMMEDIATE_NOLOCK);
        assertThat(pg.calls).as("asynchronous: no limit").contains("stop immediate");

        ClusterView async = dcs.load();
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"synchronous_mode\":\"on\",\"primary_stop_timeout\":7}",
                async.config().version())).isTrue();
        for (Action.Demote.Mode mode : List.of(Action.Demote.Mode.IMMEDIATE_NOLOCK, Action.Demote.Mode.IMMEDIATE,
                Action.Demote.Mode.OFFLINE, Action.Demote.Mode.GRACEFUL)) {
            String expected = (mode == Action.Demote.Mode.IMMEDIATE || mode == Action.Demote.Mode.IMMEDIATE_NOLOCK
                    ? "stop immediate" : "stop fast") + " abort after 7 s";
            assertThat(demoteAndRecordStops(mode)).as(mode.name()).containsExactly(expected);
        }

        ClusterView sync = dcs.load();
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"synchronous_mode\":\"quorum\",\"primary_stop_timeout\":0}",
                sync.config().version())).isTrue();
        assertThat(demoteAndRecordStops(Action.Demote.Mode.IMMEDIATE_NOLOCK)).as("0: no limit")
                .containsExactly("stop immediate");
    }

    private List<String> demoteAndRecordStops(Action.Demote.Mode mode) throws Exception {
        pg.calls.clear();
        if (mode != Action.Demote.Mode.IMMEDIATE_NOLOCK && dcs.load().leader() == null) {
            assertThat(dcs.attemptToAcquireLeader()).isTrue();
        }
        NodeMemory held = NodeMemory.INITIAL.withLockValidUntil(50_000).withWasLeader(true);
        executor.run(List.of(new Action.Demote(mode, null)), ctx(dcs.load()), held);
        if (slot.running() != null) awaitBackground();
        return pg.calls.stream().filter(c -> c.startsWith("stop")).toList();
    }

    @Test
    void clearingAFailoverKeyUsesItsVersion() throws Exception {
        assertThat(dcs.setFailover(new dev.regent.core.model.Failover(0, "pg0", "pg1", null), null)).isTrue();
        ClusterView c = dcs.load();
        long stale = c.failover().version() - 1;
        assertThat(executor.run(List.of(new Action.ClearFailover(stale)), ctx(c), NodeMemory.INITIAL).allSucceeded())
                .isFalse();
        assertThat(executor.run(List.of(new Action.ClearFailover(c.failover().version())), ctx(c),
                NodeMemory.INITIAL).allSucceeded()).isTrue();
        assertThat(dcs.load().failover()).isNull();
    }

    @Test
    void keepingTheFailoverCandidateWritesItThroughTheCodecWithItsVersion() throws Exception {
        String odd = "pg\\1 \"b\" é";  // a backslash, quotes and non-ASCII survive the round trip
        assertThat(dcs.setFailover(new dev.regent.core.model.Failover(0, "pg0", odd, null), null)).isTrue();
        ClusterView c = dcs.load();
        long stale = c.failover().version() - 1;
        assertThat(executor.run(List.of(new Action.KeepFailoverCandidate(stale, odd)), ctx(c), NodeMemory.INITIAL)
                .allSucceeded()).isFalse();
        assertThat(executor.run(List.of(new Action.KeepFailoverCandidate(c.failover().version(), odd)), ctx(c),
                NodeMemory.INITIAL).allSucceeded()).isTrue();
        assertThat(dcs.load().failover().candidate()).isEqualTo(odd);
        assertThat(dcs.load().failover().leader()).isNull();
    }

    @Test
    void slotSyncNeverDropsInPause() throws Exception {
        pg.slots.add(dev.regent.core.slots.ExistingSlot.physical("old", false, 100L));
        executor.run(List.of(new Action.SyncReplicationSlots(Set.of("pg1"))), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(dcs.setConfigValue("{\"pause\":true}", null)).isTrue();
        executor.run(List.of(new Action.SyncReplicationSlots(Set.of("pg2"))), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).containsExactly("slot Drop[name=old, reason=unknown replication slot]",
                "slot CreatePhysical[name=pg1]", "slot CreatePhysical[name=pg2]");
    }

    /** A cluster led by pg1 whose config ignores the slot {@code ignored} (as last read from the DCS). */
    private static ClusterView ledByPg1IgnoringASlot() {
        Member pg1 = new Member("pg1", 1, null, new MemberData("postgres://10.0.0.2:5432/postgres",
                "http://10.0.0.2:8008/patroni", null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, false, null));
        return new ClusterView("1", new dev.regent.core.model.ClusterConfig(1,
                Map.of("ignore_slots", List.of(Map.of("name", "ignored")))),
                new dev.regent.core.model.Leader("pg1", 1, null, pg1), null, List.of(pg1), null, null, null, null);
    }

    @Test
    void whileTheDcsIsDownAReplicaAdvancesItsSlotsToTheFailsafePositionsWithoutCopyingLogicalOnes() throws Exception {
        // the decider's SyncReplicationSlots from a POST /failsafe (copyLogical off); the DCS is down, so the last
        // snapshot read gives ignore_slots: the ignored slot survives, the permanent one advances, nothing is copied
        LocalPostgres replica = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", true, null, 1,
                9_000, 9_000L, 9_000L, "streaming", "pg1", null, 150004, null, Map.of());
        pg.slots.add(dev.regent.core.slots.ExistingSlot.physical("perm_phys", false, 1_000L));
        pg.slots.add(dev.regent.core.slots.ExistingSlot.physical("ignored", false, 1_000L));
        Map<String, dev.regent.core.slots.SlotSpec> wanted = Map.of(
                "perm_phys", new dev.regent.core.slots.SlotSpec("physical", null, null, 5_000, false, true),
                "perm_logical", new dev.regent.core.slots.SlotSpec("logical", "test_decoding", "postgres", 6_000,
                        false, true));
        ActionExecutor.Context down = new ActionExecutor.Context(null, replica, 30, Duration.ofSeconds(5), "{}",
                false, false, null, ledByPg1IgnoringASlot());
        assertThat(executor.run(List.of(new Action.SyncReplicationSlots(wanted, false)), down, NodeMemory.INITIAL)
                .allSucceeded()).isTrue();
        assertThat(pg.calls).containsExactly("slot Advance[name=perm_phys, database=null, lsn=5000]");
        // with the DCS up and failsafe not active the missing logical slot is copied from the leader
        pg.calls.clear();
        ActionExecutor.Context up = new ActionExecutor.Context(ledByPg1IgnoringASlot(), replica, 30,
                Duration.ofSeconds(5), "{}", false, false);
        executor.run(List.of(new Action.SyncReplicationSlots(wanted)), up, NodeMemory.INITIAL);
        assertThat(pg.calls).contains("copy [perm_logical] from postgres://10.0.0.2:5432/postgres")
                .noneMatch(c -> c.contains("ignored"));
    }

    @Test
    void aCopiedLogicalSlotIsCheckedOnThePrimaryUntilItIsSafe() throws Exception {
        LocalPostgres replica = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", true, null, 1,
                9_000, 9_000L, 9_000L, "streaming", "pg1", null, 150004, null, Map.of());
        Map<String, dev.regent.core.slots.SlotSpec> wanted = Map.of("cdc", new dev.regent.core.slots.SlotSpec(
                "logical", "test_decoding", "postgres", 6_000, false, true));
        ActionExecutor.Context up = new ActionExecutor.Context(ledByPg1IgnoringASlot(), replica, 30,
                Duration.ofSeconds(5), "{}", false, false);
        executor.run(List.of(new Action.SyncReplicationSlots(wanted)), up, NodeMemory.INITIAL);
        assertThat(pg.calls).contains("copy [cdc] from postgres://10.0.0.2:5432/postgres");
        pg.slots.add(dev.regent.core.slots.ExistingSlot.logical("cdc", "test_decoding", "postgres", false, 6_000L));
        // no feedback yet: the physical slot pg0 on the primary has no catalog_xmin
        pg.primaryXmins.put("pg0", null);
        pg.primaryXmins.put("cdc", 740L);
        pg.localXmins.put("cdc", 735L);
        pg.calls.clear();
        executor.run(List.of(new Action.SyncReplicationSlots(wanted)), up, NodeMemory.INITIAL);
        assertThat(pg.calls).contains("catalog_xmin on the primary of [cdc, pg0]");
        // the feedback holds 740 back on the primary and the copy advanced to it: safe, no more questions
        pg.primaryXmins.put("pg0", 740L);
        pg.localXmins.put("cdc", 740L);
        executor.run(List.of(new Action.SyncReplicationSlots(wanted)), up, NodeMemory.INITIAL);
        pg.calls.clear();
        executor.run(List.of(new Action.SyncReplicationSlots(wanted)), up, NodeMemory.INITIAL);
        assertThat(pg.calls).noneMatch(c -> c.startsWith("catalog_xmin"));
    }

    @Test
    void slotsPreparedBeforePromoteAreOnlyCreatedAndAFailureHoldsNothingBack() throws Exception {
        // a standby about to be promoted creates the members' slots (never drops); a failure is logged and the
        // following actions still run: a missing slot costs a replica 5 s, a promotion that never comes costs writes
        pg.slotCreationFails = true;
        ActionExecutor.Result r = executor.run(List.of(new Action.PrepareReplicationSlots(Set.of("pg1")),
                new Action.ReloadPostgres()), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(pg.calls).startsWith("create slots [pg1]", "reload");
        pg.slotCreationFails = false;
        assertThat(executor.run(List.of(new Action.PrepareReplicationSlots(Set.of("pg2"))), ctx(dcs.load()),
                NodeMemory.INITIAL).allSucceeded()).isTrue();
        assertThat(pg.calls).contains("create slots [pg2]").doesNotContain("slots [pg2]");
    }

    @Test
    void slotsPreparedForAPromotionThatDidNotHappenAreDroppedWhenTheNodeFollows() throws Exception {
        executor.run(List.of(new Action.PrepareReplicationSlots(Set.of("pg1", "pg2"))), ctx(dcs.load()),
                NodeMemory.INITIAL);
        executor.run(List.of(new Action.Follow("pg1")), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).contains("drop inactive slots [pg1, pg2]");
        pg.calls.clear();
        executor.run(List.of(new Action.Follow("pg2")), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).noneMatch(c -> c.startsWith("drop"));
    }

    @Test
    void slotsPlannedForTheReplicaAreNotDroppedWhenAFailedCandidateFollows() throws Exception {
        // member_slots_ttl: every replica keeps the other members' slots; the decider's SyncReplicationSlots after
        // the Follow plans pg1 and pg2 here, so only the prepared slot nobody plans (pg3) is dropped
        executor.run(List.of(new Action.PrepareReplicationSlots(Set.of("pg1", "pg2", "pg3"))), ctx(dcs.load()),
                NodeMemory.INITIAL);
        pg.calls.clear();
        executor.run(List.of(new Action.Follow("pg1"), new Action.SyncReplicationSlots(Set.of("pg1", "pg2"))),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).contains("drop inactive slots [pg3]", "slot CreatePhysical[name=pg1]",
                "slot CreatePhysical[name=pg2]");
        assertThat(pg.calls.stream().filter(c -> c.startsWith("drop"))).containsExactly("drop inactive slots [pg3]");
        pg.calls.clear();
        executor.run(List.of(new Action.Follow("pg2")), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).noneMatch(c -> c.startsWith("drop"));
    }

    @Test
    void slotsPreparedForAPromotionThatHappenedBelongToThePrimary() throws Exception {
        executor.run(List.of(new Action.PrepareReplicationSlots(Set.of("pg1"))), ctx(dcs.load()), NodeMemory.INITIAL);
        executor.run(List.of(new Action.SyncReplicationSlots(Set.of("pg1"))), ctx(dcs.load()), NodeMemory.INITIAL);
        executor.run(List.of(new Action.Follow("pg1")), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).noneMatch(c -> c.startsWith("drop"));
    }

    @Test
    void everyActionHasExactlyOneHandler() {
        // a new Action record without a handler fails here (and duplicates fail at registration)
        Set<Class<?>> handled = Set.copyOf(executor.handledActions());
        assertThat(handled).hasSize(executor.handledActions().size())
                .containsExactlyInAnyOrder(Action.class.getPermittedSubclasses());
    }

    @Test
    void promotionRunsInTheBackgroundWhileTheLoopRenewsTheLockPastTtl() throws Exception {
        pg.prePromoteGate = new java.util.concurrent.CountDownLatch(1);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(slot.running()).isEqualTo("promote");
        assertThat(r.memory().lockValidUntil()).isEqualTo(31_000);
        // pre_promote is still running 40 s later; the loop renewed meanwhile, each time within the lease
        ActionExecutor.Result renewed = renewAt(20_000, r.memory());
        assertThat(renewed.memory().lockValidUntil()).isEqualTo(50_000);
        renewed = renewAt(40_000, renewed.memory());
        assertThat(renewed.allSucceeded()).isTrue();
        assertThat(renewed.memory().lockValidUntil()).isEqualTo(70_000);
        assertThat(pg.calls).doesNotContain("promote");
        pg.prePromoteGate.countDown();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(f.ok()).isTrue();
        assertThat(pg.calls).containsSubsequence("pre_promote", "promote", "callback on_role_change", "checkpoint");
        NodeMemory after = f.memoryUpdate().apply(renewed.memory().withRewindOrReinitNeeded(true)
                .withStartingAsPrimarySince(5));
        assertThat(after.rewindOrReinitNeeded()).isFalse();
        assertThat(after.startingAsPrimarySince()).isZero();
        assertThat(after.lockValidUntil()).isEqualTo(70_000);
    }

    @Test
    void aPrePromoteVetoIsARefusalThatStartsTheRaceBackoff() throws Exception {
        pg.prePromoteFails = true;
        // held until the clock moved: the backoff is counted from when pre_promote failed, read on the background
        // thread, which would otherwise race with the test's clock
        pg.prePromoteGate = new java.util.concurrent.CountDownLatch(1);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        now.set(2_000);
        pg.prePromoteGate.countDown();
        NodeMemory after = awaitBackground().memoryUpdate().apply(r.memory());
        assertThat(pg.calls).contains("pre_promote").doesNotContain("promote");
        assertThat(after.preferNoRaceUntil()).isEqualTo(2_000 + 30_000);
        assertThat(after.wasLeader()).as("the decider releases the lock next cycle").isTrue();
    }

    @Test
    void aLeaseThatRanOutDuringPrePromoteCancelsThePromotion() throws Exception {
        pg.prePromoteGate = new java.util.concurrent.CountDownLatch(1);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        now.set(31_000);  // no renewal came through within ttl
        pg.prePromoteGate.countDown();
        NodeMemory after = awaitBackground().memoryUpdate().apply(r.memory());
        assertThat(pg.calls).contains("pre_promote").doesNotContain("promote");
        assertThat(after).isEqualTo(r.memory());
    }

    /** The memory of a node that holds the lock until 31 s and starts its crashed primary. */
    private ActionExecutor.Result startAsPrimaryWithTheLock() throws Exception {
        NodeMemory leader = executor.run(List.of(new Action.AcquireLeaderLock()), ctx(dcs.load()), NodeMemory.INITIAL)
                .memory();
        ActionExecutor.Result r = executor.run(List.of(new Action.StartPostgres(true, null)), ctx(dcs.load()), leader);
        assertThat(r.allSucceeded()).isTrue();
        assertThat(slot.running()).isEqualTo("starting");
        return r;
    }

    /** Waits until the background task made {@code call} (it runs on the slot's thread). */
    private void awaitCall(String call) throws InterruptedException {
        Deadline deadline = Deadline.after(Ticker.SYSTEM, Duration.ofSeconds(10));
        assertThat(deadline.await(() -> pg.calls.contains(call), Duration.ofMillis(5), Sleeper.SYSTEM))
                .as(call).isTrue();
    }

    @Test
    void aStartAsPrimaryWithinTheLeaseIsReportedStarted() throws Exception {
        pg.startGate = new java.util.concurrent.CountDownLatch(1);  // still running when the test looks at the slot
        startAsPrimaryWithTheLock();
        pg.startGate.countDown();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(f.ok()).isTrue();
        assertThat(pg.calls).containsSubsequence("start primary", "callback on_start").doesNotContain("stop immediate");
    }

    @Test
    void aLeaseThatRanOutBeforeTheStartDoesNotStartAPrimary() throws Exception {
        NodeMemory leader = executor.run(List.of(new Action.AcquireLeaderLock()), ctx(dcs.load()), NodeMemory.INITIAL)
                .memory();
        now.set(31_000);  // the start comes only after the lease ran out (the daemon stalled): not even handed over
        ActionExecutor.Result r = executor.run(List.of(new Action.StartPostgres(true, null)), ctx(dcs.load()), leader);
        assertThat(r.failed()).isInstanceOf(Action.StartPostgres.class);
        assertThat(slot.running()).isNull();
        assertThat(pg.calls).noneMatch(c -> c.startsWith("start")).doesNotContain("callback on_start");
    }

    /** The loop's renewal at {@code millis}, with the memory of the previous batch. */
    private ActionExecutor.Result renewAt(long millis, NodeMemory memory) throws Exception {
        now.set(millis);
        ActionExecutor.Result r = executor.run(List.of(new Action.UpdateLeaderLock()), ctx(dcs.load()), memory);
        assertThat(r.allSucceeded()).as("renewal at " + millis).isTrue();
        return r;
    }

    @Test
    void aPrimaryThatCameUpAfterTheLeaseRanOutIsStoppedAtOnce() throws Exception {
        pg.startGate = new java.util.concurrent.CountDownLatch(1);
        ActionExecutor.Result r = startAsPrimaryWithTheLock();
        awaitCall("start primary");
        now.set(31_000);  // a slow crash recovery outlasted the lease; no renewal came through meanwhile
        pg.startGate.countDown();
        BackgroundRunner.Finished f = awaitBackground();
        assertThat(pg.calls).containsSubsequence("start primary", "stop immediate").doesNotContain("callback on_start");
        assertThat(f.memoryUpdate().apply(r.memory())).as("a failed start leaves the memory as it was")
                .isEqualTo(r.memory());
    }

    @Test
    void aStartAsPrimaryIsCheckedAgainstTheRenewedLease() throws Exception {
        pg.startGate = new java.util.concurrent.CountDownLatch(1);
        ActionExecutor.Result r = startAsPrimaryWithTheLock();
        awaitCall("start primary");
        ActionExecutor.Result renewed = renewAt(40_000, renewAt(20_000, r.memory()).memory());
        assertThat(renewed.memory().lockValidUntil()).isEqualTo(70_000);
        pg.startGate.countDown();
        assertThat(awaitBackground().ok()).isTrue();
        assertThat(pg.calls).contains("callback on_start").doesNotContain("stop immediate");
    }

    @Test
    void stoppingPostgresLeavesTheOnStopCallbackToThePortSoItRunsOnce() {
        ActionExecutor.Result r = executor.run(List.of(new Action.StopPostgres()), ctx(null), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        // PostgresPort.stop runs before_stop and on_stop itself (with the node's real role); a second on_stop
        // from the executor ran the user's script twice, the second time always as "replica".
        assertThat(pg.calls).containsExactly("stop fast");
    }

    @Test
    void aFatalExitGoesThroughTheInjectedExitHook() {
        List<String> exits = new ArrayList<>();
        ActionExecutor simulated = new ActionExecutor(dcs, pg, slot, new MillisTicker(now), Sleeper.SYSTEM,
                new ScheduledRestarts(), exits::add);
        ActionExecutor.Result r = simulated.run(List.of(new Action.FatalExit("system ID mismatch")),
                ctx(null), NodeMemory.INITIAL);
        assertThat(exits).containsExactly("system ID mismatch");
        assertThat(r.allSucceeded()).isFalse();
        assertThat(r.outcome().kind()).isEqualTo(ActionOutcome.Kind.FAILED);
    }

    /** Records calls; postgres "runs" as a primary until stopped. */
    static final class RecordingPostgres implements PostgresPort {
        final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable onStop = () -> { };
        volatile String leaderAtStop;

        LocalPostgres observed = PRIMARY;
        volatile int observations;
        volatile int promotedTimeline;
        @Override public LocalPostgres observe() {
            observations++;
            return observed;
        }
        @Override public String bootstrap() { calls.add("bootstrap"); return "1"; }
        @Override public void cloneFrom(String connUrl) { calls.add("clone " + connUrl); }
        volatile java.util.concurrent.CountDownLatch startGate;
        @Override public void start(boolean asPrimary, String followName, String url, Duration t)
                throws PostgresPortException {
            calls.add("start " + (asPrimary ? "primary" : "replica of " + followName));
            try {
                if (startGate != null && !startGate.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new PostgresPortException("start gate never opened");
                }
            } catch (InterruptedException e) {
                throw new PostgresPortException("interrupted");
            }
        }
        @Override public void stop(dev.regent.postgres.StopMode mode, Duration timeout) { onStop.run(); calls.add("stop " + mode.name().toLowerCase(java.util.Locale.ROOT)); }
        @Override public void stopOrAbort(dev.regent.postgres.StopMode mode, Duration timeout, Duration abortAfter) {
            onStop.run();
            calls.add("stop " + mode.name().toLowerCase(java.util.Locale.ROOT) + " abort after "
                    + abortAfter.toSeconds() + " s");
        }
        volatile java.util.concurrent.CountDownLatch prePromoteGate;
        volatile boolean prePromoteFails;
        @Override public void prePromote() throws PostgresPortException {
            calls.add("pre_promote");
            try {
                if (prePromoteGate != null && !prePromoteGate.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new PostgresPortException("pre_promote gate never opened");
                }
            } catch (InterruptedException e) {
                throw new PostgresPortException("interrupted");
            }
            if (prePromoteFails) throw new PostgresPortException("pre_promote script exited with 1; not promoting");
        }
        @Override public int promote() { calls.add("promote"); return promotedTimeline; }
        @Override public void follow(String name, String url) { calls.add("follow " + name); }
        volatile String rewindSourceProblem;
        @Override public void checkRewindSource(String url) throws PostgresPortException {
            calls.add("check rewind source " + url);
            if (rewindSourceProblem != null) throw new PostgresPortException(rewindSourceProblem);
        }
        @Override public void rewind(String url) { calls.add("rewind"); }
        @Override public boolean canRewind() { return true; }
        @Override public void removeDataDirectory() { calls.add("remove"); }
        @Override public void moveDataDirectoryAside() { calls.add("aside"); }
        final java.util.List<dev.regent.core.slots.ExistingSlot> slots = new ArrayList<>();
        @Override public java.util.List<dev.regent.core.slots.ExistingSlot> replicationSlots() {
            return java.util.List.copyOf(slots);
        }
        @Override public void applySlotOp(dev.regent.core.slots.SlotOp op) { calls.add("slot " + op); }
        @Override public Set<String> copyLogicalSlots(String url, java.util.Collection<String> names) {
            calls.add("copy " + names + " from " + url);
            return Set.copyOf(names);
        }
        final Map<String, Long> primaryXmins = new java.util.HashMap<>();
        final Map<String, Long> localXmins = new java.util.HashMap<>();
        @Override public Map<String, Long> primarySlotCatalogXmins(String url, java.util.Collection<String> names) {
            calls.add("catalog_xmin on the primary of " + new java.util.TreeSet<>(names));
            Map<String, Long> out = new java.util.HashMap<>(primaryXmins);
            out.keySet().retainAll(names);
            return out;
        }
        @Override public Map<String, Long> slotCatalogXmins(java.util.Collection<String> names) {
            Map<String, Long> out = new java.util.HashMap<>(localXmins);
            out.keySet().retainAll(names);
            return out;
        }
        volatile boolean slotCreationFails;
        Runnable onPrepareSlots = () -> { };
        @Override public Set<String> prepareReplicationSlots(Set<String> names) throws PostgresPortException {
            calls.add("create slots " + new java.util.TreeSet<>(names));
            onPrepareSlots.run();
            if (slotCreationFails) throw new PostgresPortException("all replication slots are in use");
            return names;
        }
        @Override public void dropInactiveReplicationSlots(Set<String> names) {
            calls.add("drop inactive slots " + new java.util.TreeSet<>(names));
        }
        @Override public void reload() { calls.add("reload"); }
        @Override public void restart(Duration timeout) { calls.add("restart"); }
        @Override public void checkpoint() { calls.add("checkpoint"); }
        volatile boolean archiveFails;
        @Override public boolean archiveShutdownCheckpointWal(Duration timeout) throws PostgresPortException {
            calls.add("archive shutdown checkpoint");
            if (archiveFails) throw new PostgresPortException("pg_controldata failed");
            return true;
        }
        @Override public void fireCallback(dev.regent.postgres.CallbackRunner.Action action,
                dev.regent.postgres.CallbackRole role) { calls.add("callback " + action.patroniName()); }
        /** The last line of the new timeline's history file the test makes postgres report (null: none). */
        volatile dev.regent.core.model.TimelineHistory.Entry switchLine;
        @Override public void addTimelineHistoryFiles(
                java.util.SortedMap<Integer, List<dev.regent.core.model.TimelineHistory.Entry>> files) {
            if (!files.isEmpty()) calls.add("history files " + files.keySet());
        }
        @Override public dev.regent.core.model.TimelineHistory.Entry timelineSwitch(int timeline) {
            return switchLine;
        }
        @Override public String connUrl() { return "postgres://127.0.0.1:5432/postgres"; }
    }
}
