package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cold restart of a whole cluster: pg1's data directory was last a primary (timeline 3) and its postgres starts as
 * a replica while nobody holds the lock; then pg0 wins the race and promotes to timeline 4. Whether pg1 must be
 * rewound depends on where its WAL ends compared with the fork point pg0 records in {@code /history}.
 */
class HaLoopDivergenceTest {
    private static final long FORK_POINT = 1_000;

    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs leader = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg1", Duration.ofSeconds(30)), "/service",
            "batman", "pg1");
    private final FormerPrimary pg = new FormerPrimary();
    private final List<CycleReport> reports = new ArrayList<>();
    /** pg0's answer to GET /patroni: a running primary on timeline 4, unless a test kills it. */
    private volatile Map<String, PeerStatus> leaderAnswer =
            Map.of("pg0", new PeerStatus("pg0", true, true, 2_000, 4, 1, true));
    private HaLoop loop;

    @BeforeEach
    void cluster() throws Exception {
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(leader.initialize(true, "7000000000000000001")).isTrue();
        loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new Settings(), (members, self) -> leaderAnswer,
                new MemberDataBuilder("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni",
                        "4.0.0"), reports::add, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        loop.close();
        dcs.close();
        leader.close();
    }

    @Test
    void walPastTheForkPointIsRewound() throws Exception {
        startAsReplicaWhileUnlocked(FORK_POINT + 120);
        pg0PromotesToTimeline4();
        loop.cycle();
        awaitRewinds(1);
        assertThat(pg.rewindSource).contains("5432");
    }

    /**
     * pg0 was killed right after promoting, its lock still held: it does not answer. The real cycle decides no rewind
     * and leaves pg1's postgres running; once pg0 answers again as a primary, pg1 is rewound from it.
     */
    @Test
    void aLeaderThatDoesNotAnswerCostsTheReplicaNothing() throws Exception {
        startAsReplicaWhileUnlocked(FORK_POINT + 120);
        pg0PromotesToTimeline4();
        leaderAnswer = Map.of("pg0", PeerStatus.unreachable("pg0"));
        loop.cycle();
        loop.cycle();
        Thread.sleep(200);
        assertThat(pg.rewinds).isZero();
        assertThat(pg.running).as("the replica keeps running").isTrue();
        leaderAnswer = Map.of("pg0", new PeerStatus("pg0", true, true, 2_000, 4, 1, true));
        loop.cycle();
        awaitRewinds(1);
    }

    @Test
    void walUpToTheForkPointFollowsWithoutRewind() throws Exception {
        startAsReplicaWhileUnlocked(FORK_POINT);
        pg0PromotesToTimeline4();
        loop.cycle();
        loop.cycle();
        Thread.sleep(200);
        assertThat(pg.rewinds).isZero();
        assertThat(pg.following).isEqualTo("pg0");
    }

    @Test
    void noCheckBeforeTheNewLeaderRecordedItsFork() throws Exception {
        startAsReplicaWhileUnlocked(FORK_POINT + 120);
        pg0Leads(4);
        loop.cycle();
        Thread.sleep(200);
        assertThat(pg.rewinds).as("fork point unknown yet").isZero();
        leader.setHistoryValue(history());
        loop.cycle();
        awaitRewinds(1);
    }

    @Test
    void aNewLeaderStillPublishingOurTimelineDoesNotEndTheCheck() throws Exception {
        startAsReplicaWhileUnlocked(FORK_POINT + 120);
        pg0Leads(3);  // won the race; its member key shows the promotion only a cycle later
        loop.cycle();
        pg0PromotesToTimeline4();
        loop.cycle();
        awaitRewinds(1);
    }

    /** Cycle 1: no lock, pg1 (nofailover, so it does not race) starts its former primary as a replica. */
    private void startAsReplicaWhileUnlocked(long walEnd) throws Exception {
        pg.walEnd = walEnd;
        loop.cycle();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!pg.running && System.nanoTime() < deadline) Thread.sleep(20);  // start runs in the background slot
        assertThat(pg.running).as("started as a secondary").isTrue();
        assertThat(pg.following).as("nobody to follow yet").isNull();
        Thread.sleep(100);  // let the slot finish
    }

    private void pg0PromotesToTimeline4() throws Exception {
        pg0Leads(4);
        leader.setHistoryValue(history());
    }

    private void pg0Leads(int timeline) throws Exception {
        leader.touchMember(new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                null, "running", "primary", "4.0.0", 2_000L, null, null, null, timeline, Map.of(), null, null, null,
                null, false, Map.of()));
        if (leader.load().leader() == null) assertThat(leader.attemptToAcquireLeader()).isTrue();
    }

    private static TimelineHistory history() {
        return new TimelineHistory(0, List.of(new TimelineHistory.Entry(3, FORK_POINT,
                "no recovery target specified", "2026-01-01T00:00:00.000000+00:00", "pg0")));
    }

    private void awaitRewinds(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pg.rewinds < n && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(pg.rewinds).isEqualTo(n);
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg1", 30, 10, 10, Map.of("nofailover", true), false, true, false, false, cfg);
        }

        @Override public String bootstrapDcsJson() { return null; }

        @Override public Duration startTimeout(HaSettings settings) { return Duration.ofSeconds(5); }
    }

    /** Stopped after running as a primary on timeline 3; once started it is a replica that cannot stream. */
    static final class FormerPrimary implements PostgresPort {
        volatile boolean running;
        volatile long walEnd;
        volatile String following;
        volatile int rewinds;
        volatile String rewindSource;

        @Override
        public LocalPostgres observe() {
            if (!running) {
                return new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, "7000000000000000001", false,
                        "shut down", 3, walEnd, null, null, null, null, null);
            }
            return new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "7000000000000000001", true, null, 3,
                    walEnd, null, walEnd, "in archive recovery", following, "pg1");
        }

        @Override public String bootstrap() { return "7000000000000000001"; }
        @Override public void cloneFrom(String connUrl) { }
        @Override public void start(boolean asPrimary, String name, String url, Duration t) {
            running = true;
            following = name;
        }
        @Override public void stop(dev.regent.postgres.StopMode mode, Duration timeout) { running = false; }
        @Override public void prePromote() { }
        @Override public int promote() { return 0; }
        @Override public void follow(String name, String url) { following = name; }
        @Override public void checkRewindSource(String url) { }
        @Override public void rewind(String url) {
            rewindSource = url;
            rewinds++;
        }
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
        @Override public void fireCallback(dev.regent.postgres.CallbackRunner.Action action,
                dev.regent.postgres.CallbackRole role) { }
        @Override public void addTimelineHistoryFiles(
                java.util.SortedMap<Integer, java.util.List<dev.regent.core.model.TimelineHistory.Entry>> files) { }
        @Override public dev.regent.core.model.TimelineHistory.Entry timelineSwitch(int timeline) { return null; }
        @Override public String connUrl() { return "postgres://127.0.0.1:5433/postgres"; }
    }
}
