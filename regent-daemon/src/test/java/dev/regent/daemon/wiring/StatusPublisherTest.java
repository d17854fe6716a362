package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.loop.CycleReport;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status the REST API serves: published tags, and a postmaster death published between cycles. */
class StatusPublisherTest {
    private static final Map<String, Object> TAGS = new LinkedHashMap<>(Map.of("nostream", false,
            "nofailover", false, "new_tag", "new_value"));

    private static CycleReport report(LocalPostgres local, boolean paused) {
        ClusterConfig config = new ClusterConfig(1, paused ? Map.of("pause", true) : Map.of());
        ClusterView cluster = new ClusterView("7000000000000000001", config, null, null, null, null, null, null,
                null);
        HaSettings settings = new HaSettings("pg1", 30, 10, 10, TAGS, true, false, false, false, config);
        return new CycleReport(cluster, cluster, local, NodeMemory.INITIAL, settings, "no action", null, 1, 10_000, 0);
    }

    private static LocalPostgres running(boolean replica) {
        return new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "7000000000000000001", replica, null, 1,
                100, replica ? 100L : null, replica ? 100L : null, replica ? "streaming" : null, null, null);
    }

    @Test
    void aDeadPostmasterIsPublishedAtOnceAsStoppedInPause() {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.accept(report(running(true), true));
        assertThat(p.get().state()).isEqualTo("running");
        p.postmasterExited();
        assertThat(p.get().state()).isEqualTo("stopped");
        assertThat(p.get().isRunning()).isFalse();
        assertThat(p.get().role()).isEqualTo("replica");
    }

    @Test
    void aDeadPrimaryIsPublishedAsCrashedOutsidePause() {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.accept(report(running(false), false));
        p.postmasterExited();
        assertThat(p.get().state()).isEqualTo("crashed");
        assertThat(p.get().role()).isEqualTo("primary");
    }

    @Test
    void aBootstrapThatTookTheLockIsPublishedAtOnceAsARunningPrimaryHoldingIt() {
        // the acceptance step: the leader key can be seen, so GET / must already answer 200 "running"
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        LocalPostgres initdb = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, true, null, null, null, 0, 0,
                null, null, null, null, null);
        CycleReport during = report(initdb, false);
        p.accept(new CycleReport(during.cluster(), during.lastCluster(), initdb, NodeMemory.INITIAL,
                during.settings(), "bootstrap in progress", "bootstrap", 1, 10_000, 0));
        assertThat(p.get().state()).isEqualTo("initializing new cluster");
        assertThat(p.get().leaderLockValid(5_000)).isFalse();
        p.leaderAfterBootstrap("7000000000000000042", 30_000);
        assertThat(p.get().state()).isEqualTo("running");
        assertThat(p.get().role()).isEqualTo("primary");
        assertThat(p.get().isRunning()).isTrue();
        assertThat(p.get().leaderLockValid(5_000)).isTrue();
        assertThat(p.get().leaderLockValid(30_001)).isFalse();
    }

    @Test
    void aStartThatEndedIsPublishedAtOnceWithWhatPostgresSaysNow() {
        // a crashed primary restarted in place: GET / must answer 200 as soon as postgres accepts SQL again
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.setLiveWalReader(() -> new dev.regent.postgres.PgConnection.WalNow(false, 5000L, null, null, 1));
        LocalPostgres starting = new LocalPostgres(LocalPostgres.ProcessState.STARTING, false, "7000000000000000001",
                false, "in crash recovery", 1, 100, null, null, null, null, null);
        CycleReport r = report(starting, false);
        p.accept(new CycleReport(r.cluster(), r.lastCluster(), starting, r.memory(), r.settings(), "starting",
                "starting", 1, 10_000, 0));
        assertThat(p.get().state()).isEqualTo("starting");
        p.postgresStarted();
        assertThat(p.get().state()).isEqualTo("running");
        assertThat(p.get().role()).isEqualTo("primary");
        assertThat(p.get().pg().timeline()).isEqualTo(1);
        assertThat(p.get().pg().location()).isEqualTo(5000L);
    }

    @Test
    void aPromotionIsPublishedAtOnceAsAPrimaryHoldingTheLock() {
        // the switchover step: the leader key names us and SQL says primary, so /primary must answer 200 already
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.setLiveWalReader(() -> new dev.regent.postgres.PgConnection.WalNow(false, 9000L, null, null, 2));
        p.accept(report(running(true), false));
        assertThat(p.get().role()).isEqualTo("replica");
        assertThat(p.get().leaderLockValid(5_000)).isFalse();
        p.promoted(30_000);
        assertThat(p.get().role()).isEqualTo("primary");
        assertThat(p.get().isRunning()).isTrue();
        assertThat(p.get().leaderLockValid(5_000)).isTrue();
        assertThat(p.get().pg().timeline()).isEqualTo(2);
    }

    @Test
    void aStartWhoseLiveReadFailsPublishesNothing() {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.setLiveWalReader(() -> {
            throw new IllegalStateException("connection refused");
        });
        LocalPostgres starting = new LocalPostgres(LocalPostgres.ProcessState.STARTING, false, "7000000000000000001",
                false, "in crash recovery", 1, 100, null, null, null, null, null);
        p.accept(report(starting, false));
        p.postgresStarted();
        assertThat(p.get().state()).isEqualTo("starting");
    }

    @Test
    void aReadOfARunningStatusNoticesAPostmasterThatDiedBetweenTwoPollsOfTheWatch() throws Exception {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();
        p.setPostmasterExitedCheck(dead::get);
        p.accept(report(running(true), true));
        assertThat(p.get().state()).isEqualTo("running");
        dead.set(true);
        Thread.sleep(StatusPublisher.LIVENESS_CHECK_NANOS / 1_000_000 + 1);
        assertThat(p.get().state()).isEqualTo("stopped");
        assertThat(p.get().isRunning()).isFalse();
    }

    @Test
    void aReadOfAStartingStatusNoticesThatPostgresAcceptsConnections() throws Exception {
        // crash recovery in place: SQL works before the start's poll notices; GET / must not say "starting" then
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        java.util.concurrent.atomic.AtomicReference<String> pm = new java.util.concurrent.atomic.AtomicReference<>(
                "starting");
        p.setPostmasterStatusCheck(pm::get);
        LocalPostgres starting = new LocalPostgres(LocalPostgres.ProcessState.STARTING, false, "7000000000000000001",
                false, "in crash recovery", 1, 100, null, null, null, null, null);
        CycleReport r = report(starting, false);
        p.accept(new CycleReport(r.cluster(), r.lastCluster(), starting, r.memory(), r.settings(), "starting",
                "starting", 1, 10_000, 0));
        Thread.sleep(StatusPublisher.LIVENESS_CHECK_NANOS / 1_000_000 + 1);
        assertThat(p.get().state()).isEqualTo("starting");
        pm.set("ready");
        Thread.sleep(StatusPublisher.LIVENESS_CHECK_NANOS / 1_000_000 + 1);
        assertThat(p.get().state()).isEqualTo("running");
        assertThat(p.get().role()).isEqualTo("primary");
        assertThat(p.get().pg().timeline()).isEqualTo(1);
    }

    @Test
    void aStartingFormerPrimaryThatComesUpAsAHotStandbyIsPublishedAsAReplica() throws Exception {
        // a demotion: pg_control of the stopped primary says "shut down", postmaster.pid then says "standby"
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.setPostmasterStatusCheck(() -> "standby");
        LocalPostgres stopped = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, "7000000000000000001",
                false, "shut down", 1, 100, null, null, null, null, null);
        CycleReport r = report(stopped, false);
        p.accept(new CycleReport(r.cluster(), r.lastCluster(), stopped, r.memory(), r.settings(), "demote",
                "demote", 1, 10_000, 0));
        Thread.sleep(StatusPublisher.LIVENESS_CHECK_NANOS / 1_000_000 + 1);
        assertThat(p.get().state()).isEqualTo("running");
        assertThat(p.get().role()).isEqualTo("replica");
    }

    @Test
    void nothingHappensBeforeTheFirstCycle() {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.postmasterExited();
        assertThat(p.get().state()).isEqualTo("starting");
    }

    @Test
    void onlyTruePredefinedTagsAndCustomTagsArePublished() {
        StatusPublisher p = new StatusPublisher("batman", "pg1", () -> null);
        p.accept(report(running(true), false));
        assertThat(p.get().tags()).isEqualTo(Map.of("new_tag", "new_value"));
    }
}
