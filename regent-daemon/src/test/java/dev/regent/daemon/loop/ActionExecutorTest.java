package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
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
    private final ActionExecutor executor = new ActionExecutor(dcs, pg, slot, new ManualTicker(now));

    @AfterEach
    void close() {
        slot.close();
        dcs.close();
    }

    private static final LocalPostgres PRIMARY = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1",
            false, null, 1, 100, null, null, null, null, null);

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
    void promotionAppendsTheTimelineItLeftToHistoryInPatronisFormat() throws Exception {
        dcs.setHistoryValue(new TimelineHistory(0, List.of(new TimelineHistory.Entry(1, 50,
                "no recovery target specified", "2026-01-01T00:00:00.000001+00:00", "pg1"))));
        // Before promote the replica still reports timeline 1 (its last restartpoint predates the switch to 2);
        // after promote postgres runs on timeline 3, so the timeline left is 2.
        pg.observed = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1", false, null, 3, 120, null,
                null, null, null, null);
        ActionExecutor.Result r = executor.run(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(r.allSucceeded()).isTrue();
        List<TimelineHistory.Entry> entries = dcs.load().history().entries();
        assertThat(entries).extracting(TimelineHistory.Entry::timeline).containsExactly(1, 2);
        TimelineHistory.Entry added = entries.get(1);
        assertThat(added.lsn()).isEqualTo(100);
        assertThat(added.newLeader()).isEqualTo("pg0");
        assertThat(added.timestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00");
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
        TimelineHistory two = ActionExecutor.appended(one, new TimelineHistory.Entry(2, 90, "r", null, "pg0"));
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

    @Test
    void clearingAFailoverKeyUsesItsVersion() throws Exception {
        assertThat(dcs.setFailoverValue("{\"leader\":\"pg0\",\"member\":\"pg1\"}", null)).isTrue();
        ClusterView c = dcs.load();
        long stale = c.failover().version() - 1;
        assertThat(executor.run(List.of(new Action.ClearFailover(stale)), ctx(c), NodeMemory.INITIAL).allSucceeded())
                .isFalse();
        assertThat(executor.run(List.of(new Action.ClearFailover(c.failover().version())), ctx(c),
                NodeMemory.INITIAL).allSucceeded()).isTrue();
        assertThat(dcs.load().failover()).isNull();
    }

    @Test
    void slotSyncNeverDropsInPause() throws Exception {
        executor.run(List.of(new Action.SyncReplicationSlots(Set.of("pg1"))), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(dcs.setConfigValue("{\"pause\":true}", null)).isTrue();
        executor.run(List.of(new Action.SyncReplicationSlots(Set.of("pg2"))), ctx(dcs.load()), NodeMemory.INITIAL);
        assertThat(pg.calls).containsExactly("slots [pg1]", "create slots [pg2]");
    }

    /** Records calls; postgres "runs" as a primary until stopped. */
    static final class RecordingPostgres implements PostgresPort {
        final List<String> calls = new ArrayList<>();
        Runnable onStop = () -> { };
        volatile String leaderAtStop;

        LocalPostgres observed = PRIMARY;
        @Override public LocalPostgres observe() { return observed; }
        @Override public String bootstrap() { calls.add("bootstrap"); return "1"; }
        @Override public void cloneFrom(String connUrl) { calls.add("clone " + connUrl); }
        @Override public void start(boolean asPrimary, String followName, String url, Duration t) {
            calls.add("start " + (asPrimary ? "primary" : "replica of " + followName));
        }
        @Override public void stop(String mode, Duration timeout) { onStop.run(); calls.add("stop " + mode); }
        @Override public void promote() { calls.add("promote"); }
        @Override public void follow(String name, String url) { calls.add("follow " + name); }
        @Override public void rewind(String url) { calls.add("rewind"); }
        @Override public boolean canRewind() { return true; }
        @Override public void removeDataDirectory() { calls.add("remove"); }
        @Override public void moveDataDirectoryAside() { calls.add("aside"); }
        @Override public void syncReplicationSlots(Set<String> names) { calls.add("slots " + names); }
        @Override public void createMissingReplicationSlots(Set<String> names) { calls.add("create slots " + names); }
        @Override public void reload() { calls.add("reload"); }
        @Override public void restart(Duration timeout) { calls.add("restart"); }
        @Override public void checkpoint() { calls.add("checkpoint"); }
        @Override public void fireCallback(String action, String role) { calls.add("callback " + action); }
        @Override public String connUrl() { return "postgres://127.0.0.1:5432/postgres"; }
    }
}
