package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.CallbackRole;
import dev.regent.postgres.CallbackRunner;
import dev.regent.postgres.StopMode;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real loop cycle on injected seams (a manual monotonic clock, the thread-backed slot, a peer probe that answers
 * for nobody), as a simulator drives it: a race winner's promotion runs in the background while {@link HaLoop#cycle()}
 * keeps renewing the lock past the ttl of the decision that asked for it.
 */
class HaLoopPromotionTest {
    private static final String SYSID = "7000000000000000001";

    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service",
            "batman", "pg1");
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SlowPrePromote pg = new SlowPrePromote();
    private final List<CycleReport> reports = new ArrayList<>();
    private HaLoop loop;

    @BeforeEach
    void cluster() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(dcs.initialize(true, SYSID)).isTrue();
        LoopEnvironment env = new LoopEnvironment(new MillisTicker(now), Sleeper.SYSTEM, BackgroundSlot::new,
                (members, self) -> Map.of(), reason -> { throw new AssertionError("exit: " + reason); });
        loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new Settings(), new MemberDataBuilder(
                "postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni", "4.0.0"), reports::add, env);
    }

    @AfterEach
    void close() {
        pg.gate.countDown();
        loop.close();
        dcs.close();
    }

    private String lastMessage() {
        return reports.get(reports.size() - 1).message();
    }

    @Test
    void theLockIsRenewedWhilePrePromoteOutlastsTheTtl() throws Exception {
        loop.cycle();
        assertThat(lastMessage()).isEqualTo("promoted self to leader by acquiring session lock");
        assertThat(loop.backgroundTask()).isEqualTo("promote");
        assertThat(loop.memory().lockValidUntil()).isEqualTo(1_030_000);

        for (int i = 1; i <= 4; i++) {  // 40 s of pre_promote, ttl 30 s
            now.addAndGet(10_000);
            loop.cycle();
            assertThat(lastMessage()).isEqualTo("updated leader lock during promote");
            assertThat(loop.memory().lockValidUntil()).isEqualTo(now.get() + 30_000);
            assertThat(dcs.load().leader().name()).isEqualTo("pg1");
        }
        assertThat(pg.promoted).isFalse();

        pg.gate.countDown();
        Deadline deadline = Deadline.after(Ticker.SYSTEM, Duration.ofSeconds(10));
        assertThat(deadline.await(() -> loop.backgroundTask() == null, Duration.ofMillis(5), Sleeper.SYSTEM))
                .as("promotion ended").isTrue();
        assertThat(pg.promoted).isTrue();
        now.addAndGet(10_000);
        loop.cycle();
        assertThat(lastMessage()).isEqualTo("no action. I am (pg1), the leader with the lock");
        assertThat(dcs.load().leader().name()).isEqualTo("pg1");
    }

    @Test
    void aPromotionEndingWhileTheCycleObservesIsNotStartedAgain() throws Exception {
        loop.cycle();
        assertThat(loop.backgroundTask()).isEqualTo("promote");
        // The next cycle reads postgres still in recovery, then the promotion ends before the decider runs: the
        // decider must still see the promotion as running (its effect is not in this cycle's observation).
        pg.afterObserving = () -> {
            pg.gate.countDown();
            Deadline deadline = Deadline.after(Ticker.SYSTEM, Duration.ofSeconds(10));
            try {
                assertThat(deadline.await(() -> loop.backgroundTask() == null, Duration.ofMillis(5),
                        Sleeper.SYSTEM)).as("promotion ended").isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        now.addAndGet(10_000);
        loop.cycle();
        assertThat(pg.promoted).isTrue();
        assertThat(lastMessage()).isEqualTo("updated leader lock during promote");
        assertThat(loop.backgroundTask()).as("no second promotion").isNull();
        now.addAndGet(10_000);
        loop.cycle();
        assertThat(lastMessage()).isEqualTo("no action. I am (pg1), the leader with the lock");
    }

    /**
     * Issue 15: the leader's daemon frozen (SIGSTOP) past ttl. Its first cycle after the resume reads time after the
     * resume and demotes at once, although the snapshot still names it (the in-memory store's lease runs on real time,
     * like a DCS read just before the freeze).
     */
    @Test
    void aLeaderFrozenPastTtlDemotesInItsFirstCycleAfterTheResume() throws Exception {
        pg.gate.countDown();
        loop.cycle();
        Deadline deadline = Deadline.after(Ticker.SYSTEM, Duration.ofSeconds(10));
        assertThat(deadline.await(() -> loop.backgroundTask() == null, Duration.ofMillis(5), Sleeper.SYSTEM))
                .as("promotion ended").isTrue();
        now.addAndGet(10_000);
        loop.cycle();
        assertThat(lastMessage()).isEqualTo("no action. I am (pg1), the leader with the lock");
        assertThat(loop.memory().lockValidUntil()).isEqualTo(now.get() + 30_000);

        now.addAndGet(45_000);  // SIGSTOP ... SIGCONT
        loop.cycle();
        assertThat(dcs.load().leader().name()).as("the snapshot still names pg1").isEqualTo("pg1");
        assertThat(lastMessage()).isEqualTo("demoted self because failed to update leader lock in DCS");
        assertThat(pg.stops).containsExactly(StopMode.IMMEDIATE);
        assertThat(loop.memory().wasLeader()).isFalse();
    }

    @Test
    void theWatchersWakeRuleIsPublic() throws Exception {
        ClusterView before = dcs.load();
        loop.cycle();
        assertThat(HaLoop.fingerprint(dcs.load())).as("the leader key appeared")
                .isNotEqualTo(HaLoop.fingerprint(before));
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg1", 30, 10, 10, Map.of(), false, true, false, false, cfg);
        }

        @Override public String bootstrapDcsJson() { return null; }

        @Override public Duration startTimeout(HaSettings settings) { return Duration.ofSeconds(5); }
    }

    /** A streaming replica whose pre_promote waits for the test's gate; a primary once promoted. */
    static final class SlowPrePromote implements PostgresPort {
        final CountDownLatch gate = new CountDownLatch(1);
        volatile boolean promoted;

        /** Runs (once) after an observation was taken and before it is returned. */
        volatile Runnable afterObserving;

        @Override
        public LocalPostgres observe() {
            LocalPostgres seen = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, SYSID, !promoted, null,
                    1, 5_000, promoted ? null : 5_000L, promoted ? null : 5_000L, promoted ? null : "streaming",
                    null, null);
            Runnable hook = afterObserving;
            afterObserving = null;
            if (hook != null) hook.run();
            return seen;
        }

        @Override public String bootstrap() { return SYSID; }
        @Override public void cloneFrom(String connUrl) { }
        @Override public void start(boolean asPrimary, String name, String url, Duration t) { }
        final List<StopMode> stops = new java.util.concurrent.CopyOnWriteArrayList<>();
        @Override public void stop(StopMode mode, Duration timeout) { stops.add(mode); }
        @Override public void prePromote() throws PostgresPortException {
            try {
                if (!gate.await(10, TimeUnit.SECONDS)) throw new PostgresPortException("gate never opened");
            } catch (InterruptedException e) {
                throw new PostgresPortException("interrupted");
            }
        }
        @Override public int promote() { promoted = true; return 0; }
        @Override public void follow(String name, String url) { }
        @Override public void checkRewindSource(String url) { }
        @Override public void rewind(String url) { }
        @Override public boolean canRewind() { return true; }
        @Override public void removeDataDirectory() { }
        @Override public void moveDataDirectoryAside() { }
        @Override public java.util.List<dev.regent.core.slots.ExistingSlot> replicationSlots() {
            return java.util.List.of();
        }
        @Override public void applySlotOp(dev.regent.core.slots.SlotOp op) { }
        @Override public Set<String> copyLogicalSlots(String url, java.util.Collection<String> names) {
            return Set.of();
        }
        @Override public void reload() { }
        @Override public void restart(Duration timeout) { }
        @Override public void checkpoint() { }
        @Override public void fireCallback(CallbackRunner.Action action, CallbackRole role) { }
        @Override public void addTimelineHistoryFiles(
                java.util.SortedMap<Integer, java.util.List<dev.regent.core.model.TimelineHistory.Entry>> files) { }
        @Override public dev.regent.core.model.TimelineHistory.Entry timelineSwitch(int timeline) { return null; }
        @Override public String connUrl() { return "postgres://127.0.0.1:5433/postgres"; }
    }
}
