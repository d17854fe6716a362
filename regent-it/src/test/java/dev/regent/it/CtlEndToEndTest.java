package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.RegentCtl;
import dev.regent.testkit.PrometheusProcess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * regentctl against a real cluster (etcd + 3 Regent daemons + PostgreSQL 15), run in-process through
 * {@link RegentCtl#run} with node0's own YAML as the ctl configuration (patronictl accepts a node's file). The
 * scenarios share the cluster and run in order; each leaves it healthy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CtlEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static LocalCluster cluster;

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    @BeforeAll
    static void startCluster() {
        try {
            cluster = LocalCluster.start(3, 20, 2, 4);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    static Result ctl(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = cluster.dir().resolve("node0.yml").toString();
        System.arraycopy(args, 0, full, 2, args.length);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", cluster.dir().toString());
        int code = RegentCtl.run(full, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result ok(String input, String... args) {
        Result r = ctl(input, args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r + cluster.logs()).isZero();
        return r;
    }

    private static long historyRowsOf(String first, String second) {
        return ok("", "history", "-f", "tsv").out().lines().skip(1)
                .filter(l -> l.endsWith("\t" + first) || l.endsWith("\t" + second)).count();
    }

    private static String replicaOf(ClusterView c) {
        return c.members().stream().map(Member::name).filter(n -> !c.isLeader(n)).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void listTopologyVersionAndDsn() {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        Result list = ok("", "list");
        assertThat(list.out()).startsWith("+ Cluster: it (" + c.initialize() + ") ");
        assertThat(list.out()).containsPattern("\\| " + leader + " +\\| 127\\.0\\.0\\.1:\\d+ +\\| Leader +\\| running");
        assertThat(list.out().lines().filter(l -> l.contains("| Replica ") && l.contains("streaming"))).hasSize(2);
        Result json = ok("", "list", "-f", "json");
        assertThat(json.out()).startsWith("[{\"Cluster\": \"it\", ").contains("\"Role\": \"Leader\"");
        assertThat(ok("", "topology").out()).contains("| + node");
        Result version = ok("", "version", "it");
        assertThat(version.out().lines().filter(l -> l.matches("node\\d: Patroni 4\\.1\\.4 PostgreSQL 1\\d\\.\\d+")))
                .hasSize(3);
        int pgPort = cluster.layout().pgPort(cluster.index(leader));
        assertThat(ok("", "dsn").out()).isEqualTo("host=127.0.0.1 port=" + pgPort + "\n");
    }

    @Test
    @Order(2)
    void showAndEditConfigThenQueryEveryNode() throws Exception {
        assertThat(ok("", "show-config").out()).contains("loop_wait: 2\n").contains("ttl: 20\n");
        Result edit = ok("", "edit-config", "-s", "ttl=25", "-p", "work_mem=12MB", "--force");
        assertThat(edit.out()).contains("-ttl: 20\n+ttl: 25\n").contains("+    work_mem: 12MB\n")
                .endsWith("Configuration changed\n");
        assertThat(cluster.cluster().config().intValue("ttl", 0)).isEqualTo(25);
        for (int i = 0; i < 3; i++) {
            String member = "node" + i;
            ClusterEndToEndTest.awaitTrue("work_mem=12MB on " + member, Duration.ofSeconds(30),
                    () -> ctl("", "query", "-m", member, "-c", "SHOW work_mem").out().equals("work_mem\n12MB\n"));
        }
        Result q = ok("", "query", "-c", "SELECT 40 + 2 AS answer, 'x' AS y", "--format", "json");
        assertThat(q.out()).isEqualTo("[{\"answer\": 42, \"y\": \"x\"}]\n");
        Result replica = ok("", "query", "-r", "replica", "-c", "SELECT pg_is_in_recovery()");
        assertThat(replica.out()).isEqualTo("pg_is_in_recovery\nTrue\n");
        Result bad = ctl("", "query", "-c", "SELEC 1");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out()).contains("ERROR, SQLSTATE: 42601");
    }

    @Test
    @Order(3)
    void switchoverThenFailoverWithForce() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String candidate = replicaOf(before);
        Result sw = ok("", "switchover", "--force", "--candidate", candidate);
        assertThat(sw.out()).contains("Successfully switched over to \"" + candidate + "\"");
        ClusterView after = cluster.await("leader " + candidate, HEALTHY,
                c -> c.leader() != null && c.leader().name().equals(candidate) && dev.regent.daemon.demo.Demo
                        .healthy(c, 3));
        String next = replicaOf(after);
        Result fo = ok("", "failover", "--force", "--candidate", next);
        assertThat(fo.out()).contains("over to \"" + next + "\"");
        cluster.await("leader " + next, HEALTHY, c -> c.leader() != null && c.leader().name().equals(next)
                && dev.regent.daemon.demo.Demo.healthy(c, 3));
        // The new leader writes /history after promote and its CHECKPOINT (as Patroni does after promoting), while
        // the cluster can already look healthy (the others stream from it as a standby): wait for the entry.
        ClusterEndToEndTest.awaitTrue("history entries of " + candidate + " and " + next, Duration.ofSeconds(30),
                () -> historyRowsOf(candidate, next) >= 2);
        Result history = ok("", "history", "-f", "tsv");
        assertThat(history.out().lines().skip(1).filter(l -> l.endsWith("\t" + candidate) || l.endsWith("\t" + next)))
                .as(history.out()).hasSize(2);
    }

    @Test
    @Order(4)
    void restartReloadAndReinit() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String replica = replicaOf(c);
        long pid;
        try {
            pid = cluster.postmasterPid(cluster.index(replica));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        Result restart = ok("", "restart", "it", replica, "--force");
        assertThat(restart.out()).contains("Success: restart on member " + replica);
        ClusterEndToEndTest.awaitTrue("new postmaster on " + replica, Duration.ofSeconds(30),
                () -> cluster.postmasterPid(cluster.index(replica)) != pid);
        Result reload = ok("", "reload", "it", "--force");
        assertThat(reload.out().lines().filter(l -> l.startsWith("Reload request received for member"))).hasSize(3);
        cluster.awaitHealthy(HEALTHY);
        Result reinit = ok("", "reinit", "it", replica, "--force", "--wait");
        assertThat(reinit.out()).contains("Success: reinitialize for member " + replica)
                .contains("Reinitialize is completed on: " + replica);
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(5)
    void pauseAndResumeWait() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        Result pause = ok("", "pause", "--wait");
        assertThat(pause.out()).endsWith("Success: cluster management is paused\n");
        assertThat(cluster.cluster().isPaused()).isTrue();
        assertThat(ok("", "list").out()).contains(" Maintenance mode: on\n");
        assertThat(ctl("", "pause").err().strip()).isEqualTo("Error: Cluster is already paused");
        Result resume = ok("", "resume", "--wait");
        assertThat(resume.out()).endsWith("Success: cluster management is resumed\n");
        assertThat(cluster.cluster().isPaused()).isFalse();
    }

    @Test
    @Order(6)
    void scheduledSwitchoverAndRestartAreFlushed() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String candidate = replicaOf(c);
        String later = OffsetDateTime.now(ZoneOffset.UTC).plusHours(2).withNano(0)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        Result sched = ok("", "switchover", "--force", "--candidate", candidate, "--scheduled", later);
        assertThat(sched.out()).contains("Switchover scheduled");
        assertThat(cluster.cluster().failover()).isNotNull();
        assertThat(ok("", "list").out()).contains(" Switchover scheduled at: ");
        assertThat(ok("", "flush", "it", "switchover").out()).isEqualTo("Success: scheduled switchover deleted\n");
        assertThat(cluster.cluster().failover()).isNull();
        assertThat(ok("", "flush", "it", "switchover").out()).isEqualTo("No pending scheduled switchover\n");
        Result restart = ok("", "restart", "it", candidate, "--force", "--scheduled", later);
        assertThat(restart.out()).contains("Success: restart scheduled on member " + candidate);
        ClusterEndToEndTest.awaitTrue("scheduled_restart published in the member key", Duration.ofSeconds(30),
                () -> cluster.cluster().member(candidate).map(m -> m.data().scheduledRestart() != null)
                        .orElse(false));
        // Like patronictl, --force replaces an existing scheduled restart (DELETE, then POST) instead of failing.
        Result again = ok("", "restart", "it", candidate, "--force", "--scheduled", later);
        assertThat(again.out()).contains("Success: restart scheduled on member " + candidate);
        assertThat(cluster.rest(cluster.index(candidate), "POST", "/restart",
                "{\"schedule\": \"" + later + "\"}").statusCode()).as("a second schedule is refused").isEqualTo(409);
        Result flush = ok("", "flush", "it", candidate, "restart", "--force");
        assertThat(flush.out()).contains("Success: flush scheduled restart for member " + candidate);
        ClusterEndToEndTest.awaitTrue("scheduled_restart gone from the member key", Duration.ofSeconds(30),
                () -> cluster.cluster().member(candidate).map(m -> m.data().scheduledRestart() == null)
                        .orElse(false));
        assertThat(ok("", "flush", "it", candidate, "restart", "--force").out())
                .contains("No scheduled restart for member " + candidate);
    }

    @Test
    @Order(7)
    void removeDeletesOnlyTheNamedCluster() throws Exception {
        var store = cluster.dcs().store();
        store.put("/service/scratch/config", "{\"ttl\": 30}", false);
        store.put("/service/scratch/initialize", "123", false);
        Result wrong = ctl("scratch\nno\n", "remove", "scratch");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err().strip()).isEqualTo("Error: You did not exactly type \"Yes I am aware\"");
        ok("scratch\nYes I am aware\n", "remove", "scratch");
        assertThat(store.getPrefix("/service/scratch/")).isEmpty();
        assertThat(cluster.cluster().members()).hasSize(3);
        assertThat(List.of(ok("", "list").out())).allMatch(s -> s.contains("Leader"));
    }

    @Test
    @Order(8)
    void prometheusScrapingTheClusterFindsExactlyOnePrimary() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        List<String> targets = List.of(0, 1, 2).stream().map(i -> "127.0.0.1:" + cluster.layout().restPort(i)).toList();
        try (PrometheusProcess prom = PrometheusProcess.start("regent", targets)) {
            // every member scraped at least once (up, and its patroni_primary sample stored) before asking
            ClusterEndToEndTest.awaitTrue("prometheus scraped all three members", Duration.ofSeconds(60),
                    () -> scalar(prom, "count(up == 1)") == 3 && scalar(prom, "count(patroni_primary)") == 3,
                    () -> prom.targetHealth() + "\n" + prom.logTail(20));
            assertThat(scalar(prom, "count(patroni_primary == 1)")).isEqualTo(1);
            JsonNode primary = prom.query("patroni_primary == 1");
            assertThat(primary).hasSize(1);
            assertThat(primary.get(0).path("metric").path("name").asText()).isEqualTo(leader);
            assertThat(primary.get(0).path("metric").path("scope").asText()).isEqualTo("it");
            assertThat(scalar(prom, "sum(patroni_replica)")).isEqualTo(2);
            assertThat(cluster.cluster().leader().name()).as("the leader did not change meanwhile").isEqualTo(leader);
            // the shipped Grafana dashboard: Prometheus accepts every query and finds this cluster's series
            JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.nio.file.Files
                    .readString(java.nio.file.Path.of("").toAbsolutePath().getParent()
                            .resolve("deploy/grafana/regent-dashboard.json")));
            int queries = 0;
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText().replace("$scope", "it")
                            .replace("$__rate_interval", "1m");
                    assertThat(prom.query(expr)).as("dashboard panel " + panel.path("title") + ": " + expr)
                            .isNotNull();
                    queries++;
                }
            }
            assertThat(queries).isGreaterThanOrEqualTo(10);
            assertThat(scalar(prom, dashboard.path("panels").get(0).path("targets").get(0).path("expr").asText()
                    .replace("$scope", "it"))).as("the dashboard's primaries panel").isEqualTo(1);
        }
    }

    /** The single number an aggregating PromQL query returns, or -1 when its result is empty. */
    private static double scalar(PrometheusProcess prom, String promql) {
        JsonNode result = prom.query(promql);
        return result.isEmpty() ? -1 : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }
}
