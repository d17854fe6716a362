package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.SyntheticUnsupportedSettings;
import dev.regent.daemon.rest.RestApiServer;
import dev.regent.daemon.wiring.DaemonControl;
import dev.regent.daemon.wiring.StatusPublisher;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.postgres.PgStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A {@code /config} that enables a safety setting Regent does not implement (written by edit-config or a Patroni
 * member, past the REST API's check): the running primary keeps its lock and postgres, the HA loop logs an ERROR
 * naming the setting every cycle. {@link UnsupportedSettings#ALL} has no dynamic ERROR row left, so the loop checks by
 * a table with a synthetic one ({@link SyntheticUnsupportedSettings}); {@code GET /patroni}'s list of them is
 * ReadEndpointsTest's.
 */
class HaLoopUnsupportedConfigTest {
    private final InMemoryKvServer server = new InMemoryKvServer();
    private final PatroniDcs dcs = new PatroniDcs(server.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final RunningPrimary pg = new RunningPrimary();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger loopLogger = (Logger) LoggerFactory.getLogger(HaLoop.class);
    private StatusPublisher status;
    private HaLoop loop;
    private RestApiServer rest;

    @BeforeEach
    void primaryWithAnUnsupportedSettingInConfig() throws Exception {
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10,\"synthetic_unsafe_mode\":true}", null)).isTrue();
        assertThat(dcs.initialize(true, "7000000000000000001")).isTrue();
        log.start();
        loopLogger.addAppender(log);
        status = new StatusPublisher("batman", "pg0", () -> new PgStatus(false, 5_000L, null, null, 1, null,
                OffsetDateTime.now(), 150004, "7000000000000000001", "", List.of(), Map.of()));
        loop = new HaLoop("pg0", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                        "4.1.4"), status, Clock.systemUTC());
        loop.unsupportedSettingsTable(SyntheticUnsupportedSettings.table());
        rest = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0"), status,
                new DaemonControl("pg0", dcs, loop, new PeerProber(), status, () -> { }));
        rest.start();
    }

    @AfterEach
    void close() {
        loopLogger.detachAppender(log);
        rest.close();
        loop.close();
        dcs.close();
    }

    @Test
    void theLeaderKeepsRunningWhileEveryCycleLogsTheSetting() throws Exception {
        for (int i = 0; i < 3; i++) loop.cycle();

        ClusterView cluster = dcs.load();
        assertThat(cluster.isLeader("pg0")).as("the lock is held").isTrue();
        List<ILoggingEvent> errors = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        assertThat(errors).as("one ERROR per cycle").hasSize(3).allSatisfy(e ->
                assertThat(e.getFormattedMessage()).isEqualTo("/config enables a setting Regent does not support "
                        + "yet: synthetic_unsafe_mode: true: a synthetic row of the tests: it would weaken safety; "
                        + "Regent goes on without it"));
        assertThat(pg.stops).as("postgres never stopped").isZero();

        JsonNode patroni = new ObjectMapper().readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + rest.port() + "/patroni")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(patroni.path("role").asText()).isEqualTo("primary");
    }

    @Test
    void removingTheSettingEndsTheReports() throws Exception {
        loop.cycle();
        ClusterView cluster = dcs.load();
        assertThat(dcs.setConfigValue("{\"ttl\":30,\"loop_wait\":10}",
                cluster.config().version())).isTrue();
        log.list.clear();
        loop.cycle();
        assertThat(log.list).noneMatch(e -> e.getLevel() == Level.ERROR);
        assertThat(status.get().cluster().config().data()).doesNotContainKey("synthetic_unsafe_mode");
        assertThat(dcs.load().isLeader("pg0")).isTrue();
    }

    private static final class Settings implements SettingsProvider {
        @Override
        public HaSettings settings(ClusterView cluster) {
            ClusterConfig cfg = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
            return new HaSettings("pg0", 30, 10, 10, Map.of(), false, true, false, false, cfg);
        }

        @Override public String bootstrapDcsJson() { return null; }

        @Override public Duration startTimeout(HaSettings settings) { return Duration.ofSeconds(5); }
    }

    /** A healthy primary on timeline 1; records anything that would stop or demote it. */
    static final class RunningPrimary implements PostgresPort {
        volatile boolean running = true;
        volatile int stops;
        /** server_version_num while running (0: unknown). */
        volatile int serverVersion;
        volatile java.util.List<dev.regent.core.slots.ExistingSlot> slots = java.util.List.of();
        /** The slot changes applied, in order. */
        final java.util.List<dev.regent.core.slots.SlotOp> slotOps =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public LocalPostgres observe() {
            return running
                    ? new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "7000000000000000001", false, null,
                            1, 5_000L, null, null, null, null, null, serverVersion, null, Map.of())
                    : new LocalPostgres(LocalPostgres.ProcessState.STOPPED, false, "7000000000000000001", false,
                            "shut down", 1, 5_000L, null, null, null, null, null);
        }

        @Override public String bootstrap() { return "7000000000000000001"; }
        @Override public void cloneFrom(String connUrl) { }
        @Override public void start(boolean asPrimary, String name, String url, Duration t) { running = true; }
        @Override public void stop(dev.regent.postgres.StopMode mode, Duration timeout) {
            stops++;
            running = false;
        }
        @Override public void prePromote() { }
        @Override public int promote() { return 0; }
        @Override public void follow(String name, String url) { stops++; }
        @Override public void checkRewindSource(String url) { }
        @Override public void rewind(String url) { }
        @Override public boolean canRewind() { return true; }
        @Override public void removeDataDirectory() { }
        @Override public void moveDataDirectoryAside() { }
        @Override public java.util.List<dev.regent.core.slots.ExistingSlot> replicationSlots() {
            return slots;
        }
        @Override public void applySlotOp(dev.regent.core.slots.SlotOp op) { slotOps.add(op); }
        @Override public Set<String> copyLogicalSlots(String url, java.util.Collection<String> names) {
            return Set.of();
        }
        @Override public void reload() { }
        @Override public void restart(Duration timeout) { stops++; }
        @Override public void checkpoint() { }
        @Override public void fireCallback(dev.regent.postgres.CallbackRunner.Action action,
                dev.regent.postgres.CallbackRole role) { }
        @Override public void addTimelineHistoryFiles(
                java.util.SortedMap<Integer, java.util.List<dev.regent.core.model.TimelineHistory.Entry>> files) { }
        @Override public dev.regent.core.model.TimelineHistory.Entry timelineSwitch(int timeline) { return null; }
        @Override public String connUrl() { return "postgres://127.0.0.1:5432/postgres"; }
    }
}
