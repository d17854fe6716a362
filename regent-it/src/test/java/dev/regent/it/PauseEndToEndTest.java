package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.RegentCtl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Maintenance mode, scheduled restarts, pending_restart and scheduled switchover end to end: real etcd, three Regent
 * daemons as processes, three PostgreSQL 15 servers, driven through regentctl (in-process, node0's YAML as its
 * configuration) and checked through the DCS, the REST API and PostgreSQL. The scenarios share one cluster and run in
 * order; each leaves the cluster healthy and unpaused for the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PauseEndToEndTest {
    private static final int TTL = 20;
    private static final int LOOP_WAIT = 2;
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    private static LocalCluster cluster;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(3, TTL, LOOP_WAIT, 4);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void pauseWaitIsSeenByEveryMember() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        Result pause = ok("pause", "--wait");
        assertThat(pause.out()).endsWith("Success: cluster management is paused\n");
        for (int i = 0; i < 3; i++) {
            assertThat(patroni(i).path("pause").asBoolean()).as("node%d GET /patroni pause", i).isTrue();
            assertThat(cluster.rest(i, "GET", "/liveness", null).statusCode()).as("node%d /liveness", i).isEqualTo(200);
        }
        assertThat(cluster.cluster().members()).allMatch(m -> m.data().pause());
        assertThat(ok("list").out()).contains(" Maintenance mode: on\n");
    }

    @Test
    @Order(2)
    void pausedLeaderDoesNotRestartItsCrashedPostgres() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        assertThat(c.isPaused()).isTrue();
        String leader = c.leader().name();
        int li = cluster.index(leader);
        long oldPid = cluster.postmasterPid(li);
        cluster.killPostmaster(li);
        // Patroni (ha.py, paused and postgres not running): state 'stopped', "removed leader lock because postgres is
        // not running"; nobody starts postgres and no replica promotes while paused.
        awaitTrue(leader + " reported stopped", Duration.ofSeconds(20),
                () -> "stopped".equals(patroni(li).path("state").asText())
                        && cluster.cluster().member(leader).map(m -> "stopped".equals(m.state())).orElse(false));
        long until = System.nanoTime() + Duration.ofSeconds(4L * LOOP_WAIT).toNanos();
        while (System.nanoTime() < until) {
            assertThat(queryOrNull(cluster.jdbcUrl(li), "SELECT 1")).as("postgres on paused " + leader).isNull();
            long pid = cluster.postmasterPid(li);
            assertThat(pid == -1 || pid == oldPid).as("no new postmaster on " + leader).isTrue();
            ClusterView now = cluster.cluster();
            assertThat(now.leader() == null || now.isLeader(leader)).as("no other leader: " + now.leader()).isTrue();
            assertNoPrimaryExcept(li);
            Thread.sleep(500);
        }
        assertThat(cluster.cluster().leader()).as("the lock of a paused leader without postgres is released").isNull();
        assertThat(log(li)).contains("removed leader lock because postgres is not running");
        assertThat(ok("list").out()).containsPattern("\\| " + leader + " +\\| [^|]+\\| Replica +\\| stopped ");

        Result resume = ok("resume", "--wait");
        assertThat(resume.out()).endsWith("Success: cluster management is resumed\n");
        cluster.awaitHealthy(HEALTHY);
        awaitWritable("after resume");
        assertThat(cluster.postmasterPid(li)).isNotEqualTo(oldPid);
    }

    @Test
    @Order(3)
    void pausedClusterDoesNotFailOverUntilResumed() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        ok("pause", "--wait");
        ClusterView c = cluster.cluster();
        String leader = c.leader().name();
        int li = cluster.index(leader);
        long killedAt = System.nanoTime();
        cluster.node(li).kill9();
        cluster.killPostmaster(li);
        long[] lockGoneAt = {0};
        long minEnd = killedAt + Duration.ofSeconds(TTL + 4L * LOOP_WAIT).toNanos();
        long hardEnd = killedAt + Duration.ofSeconds(TTL + 30L).toNanos();
        while (true) {
            long now = System.nanoTime();
            ClusterView v = cluster.cluster();
            if (v.leader() == null && lockGoneAt[0] == 0) lockGoneAt[0] = now;
            assertThat(v.leader() == null || v.isLeader(leader)).as("no new leader while paused: " + v.leader())
                    .isTrue();
            assertNoPrimaryExcept(li);
            boolean longEnough = now > minEnd && lockGoneAt[0] != 0
                    && now > lockGoneAt[0] + Duration.ofSeconds(3L * LOOP_WAIT).toNanos();
            if (longEnough) break;
            assertThat(now).as("the leader key of the killed " + leader + " never expired\n" + cluster.logs())
                    .isLessThan(hardEnd);
            Thread.sleep(500);
        }
        for (int i = 0; i < 3; i++) {
            if (i == li) continue;
            assertThat(queryOrNull(cluster.jdbcUrl(i), "SELECT pg_is_in_recovery()")).as("node%d in recovery", i)
                    .isEqualTo("t");
        }

        Result resume = ok("resume", "--wait");
        assertThat(resume.out()).endsWith("Success: cluster management is resumed\n");
        String newLeader = cluster.await("a new leader after resume", HEALTHY,
                v -> v.leader() != null && !v.isLeader(leader)).leader().name();
        awaitTrue("writes on " + newLeader, Duration.ofSeconds(60), () -> {
            try {
                exec(cluster.jdbcUrl(cluster.index(newLeader)),
                        "CREATE TABLE IF NOT EXISTS pause_failover (v int); INSERT INTO pause_failover VALUES (1)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        cluster.node(li).start();
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).isEqualTo(newLeader);
        awaitTrue(leader + " replays the new primary's writes", Duration.ofSeconds(30),
                () -> "1".equals(queryOrNull(cluster.jdbcUrl(li), "SELECT count(*) FROM pause_failover")));
    }

    @Test
    @Order(4)
    void scheduledRestartRunsAtItsTimeAndAConditionalOneIsDropped() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        List<String> replicas = replicas(c);
        String target = replicas.get(0);
        String other = replicas.get(1);
        int ti = cluster.index(target);
        int oi = cluster.index(other);
        String targetStart = patroni(ti).path("postmaster_start_time").asText();
        String otherStart = patroni(oi).path("postmaster_start_time").asText();
        // Far enough ahead that the checks below (four ctl JVMs and REST calls) finish before it on a loaded machine.
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(20).withNano(0);
        assertThat(ok("restart", "it", target, "--scheduled", at.format(ISO), "--force").out())
                .contains("Success: restart scheduled on member " + target);
        // PostgreSQL 15 is not older than 10.0: the condition fails when the time comes and the request is dropped
        assertThat(ok("restart", "it", other, "--scheduled", at.format(ISO), "--pg-version", "10.0", "--force").out())
                .contains("Success: restart scheduled on member " + other);

        ClusterView scheduled = cluster.await("both scheduled restarts in the member keys", Duration.ofSeconds(15),
                v -> scheduledRestart(v, target) != null && scheduledRestart(v, other) != null);
        assertThat(scheduledRestart(scheduled, other)).containsEntry("postgres_version", "10.0");
        assertThat(patroni(ti).path("scheduled_restart").path("schedule").asText()).isNotEmpty();
        assertThat(ok("list", "-e").out()).contains("if version < 10.0");
        assertThat(OffsetDateTime.now(ZoneOffset.UTC)).isBefore(at.minusSeconds(1));
        assertThat(patroni(ti).path("postmaster_start_time").asText()).isEqualTo(targetStart);

        awaitTrue("restart of " + target + " after " + at, Duration.ofSeconds(30),
                () -> !patroni(ti).path("postmaster_start_time").asText(targetStart).equals(targetStart));
        assertThat(OffsetDateTime.now(ZoneOffset.UTC)).isAfterOrEqualTo(at);
        cluster.await("both scheduled restarts gone", Duration.ofSeconds(20),
                v -> scheduledRestart(v, target) == null && scheduledRestart(v, other) == null);
        assertThat(patroni(oi).path("postmaster_start_time").asText()).as("conditional restart must not run")
                .isEqualTo(otherStart);
        assertThat(patroni(oi).has("scheduled_restart")).isFalse();
        assertThat(log(oi)).contains("not proceeding with the restart");
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(5)
    void pendingRestartIsShownAndRestartPendingClearsIt() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        ok("edit-config", "-p", "max_connections=123", "--force");
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("pending_restart on node" + i, Duration.ofSeconds(30),
                    () -> patroni(node).path("pending_restart").asBoolean());
            assertThat(patroni(i).path("pending_restart_reason").path("max_connections").path("new_value").asText())
                    .isEqualTo("123");
        }
        cluster.await("pending restart in every member key", Duration.ofSeconds(30),
                v -> v.members().stream().allMatch(m -> Boolean.TRUE.equals(m.data().pendingRestart())));
        String list = ok("list").out();
        assertThat(list).contains("Pending restart");
        assertThat(list.lines().filter(l -> l.matches("\\| node\\d .*\\| \\* +\\|.*"))).hasSize(3);

        Result restart = ok("restart", "it", "--pending", "--force");
        assertThat(restart.out().lines().filter(l -> l.startsWith("Success: restart on member "))).hasSize(3);
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("max_connections=123 without pending restart on node" + i, Duration.ofSeconds(60),
                    () -> "123".equals(queryOrNull(cluster.jdbcUrl(node), "SHOW max_connections"))
                            && !patroni(node).path("pending_restart").asBoolean(false));
        }
        cluster.await("no pending restart in the member keys", Duration.ofSeconds(20),
                v -> v.members().stream().noneMatch(m -> Boolean.TRUE.equals(m.data().pendingRestart())));
        assertThat(ok("list").out()).doesNotContain("Pending restart");
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(6)
    void scheduledSwitchoverWaitsForItsTimeAndIsRefusedInPause() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        String candidate = replicas(c).get(0);
        // Far enough ahead that two ctl JVMs and a DCS read finish before it on a loaded machine.
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(20).withNano(0);
        Result sw = ok("switchover", "--leader", leader, "--candidate", candidate, "--scheduled", at.format(ISO),
                "--force");
        assertThat(sw.out()).contains("Switchover scheduled");
        ClusterView pending = cluster.cluster();
        assertThat(pending.failover()).isNotNull();
        assertThat(pending.failover().scheduledAt()).isEqualTo(at.toInstant());
        assertThat(pending.failover().candidate()).isEqualTo(candidate);
        assertThat(ok("list").out()).contains(" Switchover scheduled at: ");
        while (OffsetDateTime.now(ZoneOffset.UTC).isBefore(at.minusSeconds(1))) {
            assertThat(cluster.cluster().isLeader(leader)).as("leader before the scheduled time").isTrue();
            Thread.sleep(300);
        }
        cluster.await(candidate + " leads after " + at, HEALTHY, v -> v.isLeader(candidate) && v.failover() == null);
        assertThat(OffsetDateTime.now(ZoneOffset.UTC)).isAfterOrEqualTo(at);
        cluster.awaitHealthy(HEALTHY);

        ok("pause", "--wait");
        OffsetDateTime later = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(5).withNano(0);
        Result refused = ctl("switchover", "--leader", candidate, "--candidate", leader, "--scheduled",
                later.format(ISO), "--force");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("Can't schedule switchover in the paused state");
        HttpResponse<String> rest = cluster.rest(cluster.index(candidate), "POST", "/switchover",
                "{\"leader\": \"" + candidate + "\", \"candidate\": \"" + leader + "\", \"scheduled_at\": \""
                        + later.format(ISO) + "\"}");
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(400);
        assertThat(rest.body()).contains("Can't schedule switchover in the paused state");
        assertThat(cluster.cluster().failover()).isNull();
        HttpResponse<String> restart = cluster.rest(cluster.index(leader), "POST", "/restart",
                "{\"schedule\": \"" + later.format(ISO) + "\"}");
        assertThat(restart.statusCode()).as(restart.body()).isEqualTo(500);
        assertThat(restart.body()).contains("Can't schedule restart in the paused state");

        // in pause a switchover to a named candidate is still allowed (Patroni 3.9 pause rules)
        Result back = ok("switchover", "--leader", candidate, "--candidate", leader, "--force");
        assertThat(back.out()).contains("Successfully switched over to \"" + leader + "\"");
        assertThat(cluster.await(leader + " leads again in pause", HEALTHY, v -> v.isLeader(leader)).isPaused())
                .isTrue();
        ok("resume", "--wait");
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(leader);
        awaitWritable("after the switchover in pause");
    }

    private static Map<String, Object> scheduledRestart(ClusterView v, String member) {
        return v.member(member).map(m -> m.data().scheduledRestart()).orElse(null);
    }

    private static List<String> replicas(ClusterView c) {
        return c.members().stream().map(Member::name).filter(n -> !c.isLeader(n)).sorted().toList();
    }

    /** No postgres other than node {@code except} is a primary (the test's own view, not the DCS's). */
    private static void assertNoPrimaryExcept(int except) {
        for (int i = 0; i < 3; i++) {
            if (i == except) continue;
            assertThat(queryOrNull(cluster.jdbcUrl(i), "SELECT pg_is_in_recovery()")).as("node%d promoted", i)
                    .isNotEqualTo("f");
        }
    }

    private static void awaitWritable(String when) throws Exception {
        String[] last = {null};
        awaitTrue("a writable primary " + when, Duration.ofSeconds(60), () -> {
            try {
                exec(cluster.primaryJdbcUrl(), "CREATE TABLE IF NOT EXISTS pause_check (v int);"
                        + " INSERT INTO pause_check VALUES (1)");
                return true;
            } catch (SQLException e) {
                last[0] = e.getMessage();
                return false;
            }
        }, () -> last[0]);
    }

    private static String log(int node) throws IOException {
        return Files.readString(cluster.node(node).log());
    }

    private static JsonNode patroni(int node) throws Exception {
        HttpResponse<String> r = cluster.rest(node, "GET", "/patroni", null);
        assertThat(r.statusCode()).as("GET /patroni on node%d: %s", node, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        awaitTrue(what, timeout, check, () -> "");
    }

    private static void awaitTrue(String what, Duration timeout, Check check, Supplier<String> detail)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + " " + detail.get() + "\n" + cluster.logs());
    }

    static Result ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = cluster.dir().resolve("node0.yml").toString();
        System.arraycopy(args, 0, full, 2, args.length);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", cluster.dir().toString());
        int code = RegentCtl.run(full, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result ok(String... args) {
        Result r = ctl(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r + cluster.logs()).isZero();
        return r;
    }
}
