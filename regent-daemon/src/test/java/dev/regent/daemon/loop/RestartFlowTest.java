package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.ha.HaDecider;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.MemberData;
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
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restart and pause flow over real HTTP: the REST server, the daemon's control and status publisher, and the HA
 * loop (cycles driven by the test) on the in-memory DCS with a scripted replica postgres (pg1; pg0 holds the lock).
 */
class RestartFlowTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryKvServer kv = new InMemoryKvServer();
    private final PatroniDcs leader = new PatroniDcs(kv.newStore("pg0", Duration.ofSeconds(30)), "/service",
            "batman", "pg0");
    private final PatroniDcs dcs = new PatroniDcs(kv.newStore("pg1", Duration.ofSeconds(30)), "/service", "batman",
            "pg1");
    private final HaLoopScheduledRestartTest.ScriptedPostgres pg = new HaLoopScheduledRestartTest.ScriptedPostgres();
    private final AtomicLong skewMillis = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private HaLoop loop;
    private RestApiServer rest;

    @BeforeEach
    void start() throws Exception {
        assertThat(leader.setConfigValue("{\"ttl\":30,\"loop_wait\":10}", null)).isTrue();
        assertThat(leader.initialize(true, "7000000000000000001")).isTrue();
        leader.touchMember(new MemberData("postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                null, "running", "primary", "4.0.0", 100L, null, null, null, 1, Map.of(), null, null, null, null,
                false, Map.of()));
        assertThat(leader.attemptToAcquireLeader()).isTrue();
        Clock clock = new Clock() {
            @Override public ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(ZoneId zone) { return this; }
            @Override public long millis() { return System.currentTimeMillis() + skewMillis.get(); }
            @Override public Instant instant() { return Instant.ofEpochMilli(millis()); }
        };
        StatusPublisher status = new StatusPublisher("batman", "pg1", this::pgStatus);
        pg.following = "pg0";
        loop = new HaLoop("pg1", dcs, pg, HaDecider::decide, new Settings(), new PeerProber(),
                new MemberDataBuilder("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:8009/patroni",
                        "4.0.0"), status, clock);
        status.setScheduledRestartSource(() -> loop.scheduledRestart() == null ? null
                : loop.scheduledRestart().published());
        DaemonControl control = new DaemonControl("pg1", dcs, loop, new PeerProber(), status, () -> { });
        rest = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0").withClocks(clock, dev.regent.time.Ticker.SYSTEM::monotonicMillis),
                status, control);
        rest.start();
    }

    @AfterEach
    void stop() {
        rest.close();
        loop.close();
        dcs.close();
        leader.close();
    }

    private PgStatus pgStatus() {
        LocalPostgres l = pg.observe();
        Map<String, PgStatus.PendingChange> pending = new LinkedHashMap<>();
        l.pendingRestartReason().forEach((k, v) -> pending.put(k,
                new PgStatus.PendingChange(v.get("old_value"), v.get("new_value"))));
        return new PgStatus(true, 100, 100L, 100L, 1, "streaming", l.postmasterStartTime().atOffset(ZoneOffset.UTC),
                150004, l.systemId(), "pg1", List.of(), pending);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest.port() + path))
                .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(send("GET", path, null).body());
    }

    private String inSeconds(long s) {
        return Instant.ofEpochMilli(System.currentTimeMillis() + skewMillis.get() + s * 1000)
                .atOffset(ZoneOffset.ofHours(1)).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    private void cycle() throws Exception {
        loop.cycle();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (loop.backgroundTask() != null && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(loop.backgroundTask()).isNull();
        loop.cycle(); // publish the observation after the background action
    }

    /** An immediate POST /restart, which blocks until the loop restarted postgres: cycles run meanwhile. */
    private HttpResponse<String> restartNow(String body) throws Exception {
        CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return send("POST", "/restart", body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!answer.isDone() && System.nanoTime() < deadline) {
            loop.cycle();
            Thread.sleep(50);
        }
        return answer.get();
    }

    private void pause(boolean on) throws Exception {
        ClusterView c = dcs.load();
        String body = on ? "{\"ttl\":30,\"loop_wait\":10,\"pause\":true}" : "{\"ttl\":30,\"loop_wait\":10}";
        assertThat(leader.setConfigValue(body, c.config().version())).isTrue();
    }

    @Test
    void scheduleShowDeleteAndRunAScheduledRestart() throws Exception {
        cycle();
        HttpResponse<String> r = send("POST", "/restart",
                "{\"schedule\":\"" + inSeconds(60) + "\",\"role\":\"replica\"}");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("Restart scheduled");
        assertThat(send("POST", "/restart", "{\"schedule\":\"" + inSeconds(90) + "\"}").statusCode()).isEqualTo(409);
        cycle();
        JsonNode sr = get("/patroni").get("scheduled_restart");
        assertThat(sr.get("role").asText()).isEqualTo("replica");
        assertThat(sr.get("schedule").asText()).endsWith("+01:00");
        assertThat(sr.has("postmaster_start_time")).as("hidden in GET /patroni").isFalse();
        Map<String, Object> key = dcs.load().member("pg1").orElseThrow().data().scheduledRestart();
        assertThat(key).containsEntry("postmaster_start_time", "2024-05-01 08:00:00.250000+00:00")
                .containsEntry("role", "replica");
        assertThat(get("/cluster").get("members").get(1).get("scheduled_restart").get("role").asText())
                .isEqualTo("replica");

        assertThat(send("DELETE", "/restart", null).body()).isEqualTo("scheduled restart deleted");
        assertThat(send("DELETE", "/restart", null).statusCode()).isEqualTo(404);
        cycle();
        assertThat(get("/patroni").has("scheduled_restart")).isFalse();
        assertThat(dcs.load().member("pg1").orElseThrow().data().scheduledRestart()).isNull();

        assertThat(send("POST", "/restart", "{\"schedule\":\"" + inSeconds(60) + "\"}").statusCode()).isEqualTo(202);
        skewMillis.addAndGet(61_000);
        cycle();
        assertThat(pg.restarts).isEqualTo(1);
        assertThat(get("/patroni").has("scheduled_restart")).isFalse();
        assertThat(get("/patroni").get("postmaster_start_time").asText()).startsWith("2024-05-01 08:01:40");
    }

    @Test
    void pendingRestartIsPublished() throws Exception {
        pg.pending = true;
        cycle();
        JsonNode p = get("/patroni");
        assertThat(p.get("pending_restart").asBoolean()).isTrue();
        assertThat(p.get("pending_restart_reason").get("max_connections").get("new_value").asText()).isEqualTo("200");
        JsonNode me = get("/cluster").get("members").get(1);
        assertThat(me.get("name").asText()).isEqualTo("pg1");
        assertThat(me.get("pending_restart").asBoolean()).isTrue();
        assertThat(restartNow("{\"restart_pending\":true}").statusCode()).as("immediate, pending").isEqualTo(200);
        assertThat(pg.restarts).isEqualTo(1);
        cycle();
        assertThat(get("/patroni").has("pending_restart")).as("cleared by the restart").isFalse();
        assertThat(dcs.load().member("pg1").orElseThrow().data().pendingRestart()).isNull();
    }

    @Test
    void pausedClusterIsReportedAndOnlyImmediateRestartsAreAllowed() throws Exception {
        pause(true);
        cycle();
        assertThat(get("/patroni").get("pause").asBoolean()).isTrue();
        assertThat(get("/cluster").get("pause").asBoolean()).isTrue();
        assertThat(send("GET", "/liveness", null).statusCode()).isEqualTo(200);
        assertThat(dcs.load().member("pg1").orElseThrow().data().pause()).isTrue();
        HttpResponse<String> r = send("POST", "/restart", "{\"schedule\":\"" + inSeconds(60) + "\"}");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("Can't schedule restart in the paused state");

        HttpResponse<String> now = restartNow(null);
        assertThat(now.statusCode()).isEqualTo(200);
        assertThat(now.body()).isEqualTo("restarted successfully");
        assertThat(pg.restarts).isEqualTo(1);

        pause(false);
        cycle();
        assertThat(get("/patroni").has("pause")).isFalse();
        assertThat(get("/cluster").has("pause")).isFalse();
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
}
