package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.ScheduledRestart;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whole HA cycles of a replica (pg1, pg0 holds the lock) with the real decider and executor on the in-memory DCS and a
 * scripted postgres: scheduled restarts are published in the member key until the loop acted on them, run at their
 * time with their filters evaluated then, are kept in pause, cancelled by DELETE or by a restart meanwhile; a pending
 * restart is published as Patroni does.
 */
class HaLoopScheduledRestartTest {
    private static final Instant STARTED = Instant.parse("2024-05-01T08:00:00.250Z");

    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs leader = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service",
            "batman", "pg1");
    private final ScriptedPostgres pg = new ScriptedPostgres();
    private final AtomicLong skewMillis = new AtomicLong();
    private final List<CycleReport> reports = new ArrayList<>();
    private HaLoop loop;

    @BeforeEach
    void cluster() throws Exception {
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(leader.initialize(true, "7000000000000000001")).isTrue();
        leader.touchMember(new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                null, "running", "primary", "4.0.0", 100L, null, null, null, 1, Map.of(), null, null, null, null,
                false, Map.of()));
        assertThat(leader.attemptToAcquireLeader()).isTrue();
        Clock skewed = new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(ZoneId zone) { return this; }
            @Override public long millis() { return System.currentTimeMillis() + skewMillis.get(); }
            @Override public Instant instant() { return Instant.ofEpochMilli(millis()); }
        };
        loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni",
                        "4.0.0"), reports::add, skewed);
        pg.following = "pg0";
    }

    @AfterEach
    void close() {
        loop.close();
        dcs.close();
        leader.close();
    }

    private ScheduledRestarts.Entry restartIn(long seconds, boolean restartPending) {
        Instant at = Instant.ofEpochMilli(System.currentTimeMillis() + skewMillis.get() + seconds * 1000);
        ScheduledRestart r = new ScheduledRestart(at.atOffset(ZoneOffset.UTC), null, null, restartPending, null,
                pg.startedAt);
        Map<String, Object> published = new LinkedHashMap<>();
        published.put("schedule", r.scheduleIso());
        if (restartPending) published.put("restart_pending", true);
        published.put("postmaster_start_time", "2024-05-01 08:00:00.250000+00:00");
        return new ScheduledRestarts.Entry(r, published);
    }

    private MemberData myKey() throws Exception {
        return dcs.load().member("pg1").orElseThrow().data();
    }

    /** One cycle, then wait for its background restart (if any) to finish. */
    private void cycle() throws Exception {
        loop.cycle();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (loop.backgroundTask() != null && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(loop.backgroundTask()).as("background task").isNull();
    }

    private void advanceSeconds(long s) {
        skewMillis.addAndGet(s * 1000);
    }

    @Test
    void aScheduledRestartIsPublishedUntilItRunsAtItsTime() throws Exception {
        assertThat(loop.scheduleRestart(restartIn(60, false))).isTrue();
        assertThat(loop.scheduleRestart(restartIn(90, false))).as("a second one is refused (409)").isFalse();
        cycle();
        assertThat(pg.restarts).isZero();
        assertThat(myKey().scheduledRestart()).containsKeys("schedule", "postmaster_start_time");
        assertThat(reports.get(reports.size() - 1).message())
                .isEqualTo("no action. I am (pg1), a secondary, and following a leader (pg0)");

        advanceSeconds(61); // due, slightly overdue: runs without sleeping
        cycle();
        assertThat(reports.get(reports.size() - 1).message()).isEqualTo("restart initiated");
        assertThat(pg.restarts).isEqualTo(1);
        assertThat(loop.scheduledRestart()).isNull();
        assertThat(myKey().scheduledRestart()).as("gone from the member key once done").isNull();
        cycle();
        assertThat(pg.restarts).as("runs once").isEqualTo(1);
    }

    @Test
    void filtersAreEvaluatedWhenTheRestartIsDue() throws Exception {
        assertThat(loop.scheduleRestart(restartIn(60, true))).isTrue();
        pg.pending = true; // pending when scheduled ...
        cycle();
        assertThat(myKey().pendingRestart()).isTrue();
        assertThat(myKey().pendingRestartReason()).containsKey("max_connections");
        pg.pending = false; // ... but no longer when due
        advanceSeconds(61);
        cycle();
        assertThat(pg.restarts).isZero();
        assertThat(loop.scheduledRestart()).as("dropped: conditions not satisfied").isNull();
        assertThat(myKey().pendingRestart()).isNull();

        assertThat(loop.scheduleRestart(restartIn(5, true))).isTrue();
        pg.pending = true;
        advanceSeconds(6);
        cycle();
        assertThat(pg.restarts).isEqualTo(1);
        cycle(); // the member key written right after the restart started still showed the old observation
        assertThat(myKey().pendingRestart()).as("a restart applies the pending settings").isNull();
    }

    @Test
    void pausedLoopKeepsTheRestartAndRunsItAfterResume() throws Exception {
        assertThat(loop.scheduleRestart(restartIn(5, false))).isTrue();
        ClusterView c = dcs.load();
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"pause\":true}", c.config().version()))
                .isTrue();
        advanceSeconds(6);
        cycle();
        assertThat(reports.get(reports.size() - 1).message()).startsWith("PAUSE: no action. I am (pg1)");
        assertThat(pg.restarts).isZero();
        assertThat(myKey().pause()).isTrue();
        assertThat(myKey().scheduledRestart()).as("kept in pause").isNotNull();

        c = dcs.load();
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", c.config().version())).isTrue();
        cycle();
        assertThat(pg.restarts).isEqualTo(1);
        assertThat(myKey().pause()).isFalse();
        assertThat(myKey().scheduledRestart()).isNull();
    }

    @Test
    void deleteRemovesItAndARestartMeanwhileCancelsIt() throws Exception {
        assertThat(loop.scheduleRestart(restartIn(60, false))).isTrue();
        cycle();
        assertThat(loop.cancelScheduledRestart()).isTrue();
        assertThat(loop.cancelScheduledRestart()).as("nothing left to delete (404)").isFalse();
        cycle();
        assertThat(myKey().scheduledRestart()).isNull();

        assertThat(loop.scheduleRestart(restartIn(60, false))).isTrue();
        pg.startedAt = STARTED.plusSeconds(30); // somebody restarted postgres
        cycle();
        assertThat(loop.scheduledRestart()).isNull();
        assertThat(myKey().scheduledRestart()).isNull();
        advanceSeconds(61);
        cycle();
        assertThat(pg.restarts).isZero();
    }

    @Test
    void aStoppedPostgresIsReportedStoppedNotCrashedInPause() throws Exception {
        ClusterView c = dcs.load();
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"pause\":true}", c.config().version()))
                .isTrue();
        pg.running = false;
        cycle();
        assertThat(reports.get(reports.size() - 1).message()).isEqualTo("PAUSE: postgres is not running");
        assertThat(pg.starts).as("not started in pause").isZero();
        assertThat(myKey().state()).isEqualTo("stopped");
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg1", 30, 10, 10, Map.of(), false, false, false, false, cfg);
        }

        @Override public String bootstrapDcsJson() { return null; }

        @Override public Duration startTimeout(HaSettings settings) { return Duration.ofSeconds(5); }
    }

    /** A streaming replica whose restart moves its postmaster start time and applies pending settings. */
    static final class ScriptedPostgres implements PostgresPort {
        volatile boolean running = true;
        volatile boolean pending;
        volatile Instant startedAt = STARTED;
        volatile String following;
        volatile int restarts;
        volatile int starts;

        @Override
        public LocalPostgres observe() {
            if (!running) {
                return new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, "7000000000000000001", true,
                        "in production", 1, 100, null, null, null, following, null);
            }
            Map<String, Map<String, String>> reason = pending
                    ? Map.of("max_connections", Map.of("old_value", "100", "new_value", "200")) : Map.of();
            return new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "7000000000000000001", true, null, 1,
                    100, 100L, 100L, "streaming", following, "pg1", 150004, startedAt, reason);
        }

        @Override public String bootstrap() { return "7000000000000000001"; }
        @Override public void cloneFrom(String connUrl) { }
        @Override public void start(boolean asPrimary, String followName, String url, Duration t) { starts++; }
        @Override public void stop(dev.regent.postgres.StopMode mode, Duration timeout) { }
        @Override public void prePromote() { }
        @Override public int promote() { return 0; }
        @Override public void follow(String name, String url) { following = name; }
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
        @Override
        public void restart(Duration timeout) {
            restarts++;
            pending = false;
            startedAt = startedAt.plusSeconds(100);
        }
        @Override public void checkpoint() { }
        @Override public void fireCallback(dev.regent.postgres.CallbackRunner.Action action,
                dev.regent.postgres.CallbackRole role) { }
        @Override public void addTimelineHistoryFiles(
                java.util.SortedMap<Integer, java.util.List<dev.regent.core.model.TimelineHistory.Entry>> files) { }
        @Override public dev.regent.core.model.TimelineHistory.Entry timelineSwitch(int timeline) { return null; }
        @Override public String connUrl() { return "postgres://127.0.0.1:5433/postgres"; }
    }
}
