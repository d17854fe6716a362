package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static dev.regent.it.InteropSupport.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.testkit.consul.ConsulTestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Keeps the Consul test server honest: one cluster on it managed by a real Patroni 3.0.2 node (node0, Debian's
 * package with its {@code consul} module on python3-consul) and two Regent nodes (node1, node2), each with a real
 * PostgreSQL 15, all with {@code register_service: true}. Patroni bootstraps on its own sessions and keys; the Regent
 * nodes join; Debian's patronictl and regentctl read the mixed cluster alike; switchovers both ways; the Patroni
 * leader is killed and a Regent node takes over once the test server invalidates Patroni's session. Scenarios share
 * the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsulMixedClusterTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static ConsulTestServer consul;
    private static LocalCluster cluster;
    private static PatroniNode patroni;

    @BeforeAll
    static void start() throws Exception {
        consul = ItConsul.start();
        cluster = LocalCluster.createOnConsul(consul.hostPort(), 3, 20, 2, 4);
        patroni = PatroniNode.create("node0", Files.readString(cluster.dir().resolve("node0.yml")),
                cluster.dir().resolve("node0"));
        patroni.start();
        await("Patroni bootstraps the cluster on Consul", c -> c.isLeader("node0") && c.isInitialized()
                && c.member("node0").map(m -> m.isRunning()).orElse(false));
        cluster.node(1).start();
        cluster.node(2).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (patroni != null) patroni.stop();
        if (cluster != null) {
            keepLogs();
            cluster.close();
        }
        if (consul != null) consul.close();
    }

    /** Copy every node's log to target/consul-mixed-cluster-logs (the cluster directory is deleted on close). */
    private static void keepLogs() {
        try {
            Path out = Files.createDirectories(Path.of("target", "consul-mixed-cluster-logs"));
            Files.copy(patroni.log(), out.resolve("node0-patroni.log"), StandardCopyOption.REPLACE_EXISTING);
            for (int i = 1; i < 3; i++) {
                Files.copy(cluster.node(i).log(), out.resolve("node" + i + "-regent.log"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // diagnostics only
        }
    }

    @Test
    @Order(1)
    void regentNodesJoinThePatroniClusterAndBothCtlsReadIt() throws Exception {
        ClusterView c = await("two Regent replicas streaming from the Patroni leader", v -> healthy(v, 3)
                && v.isLeader("node0") && streaming(v, "node1") && streaming(v, "node2"));
        assertThat(c.member("node0").orElseThrow().data().version()).isEqualTo("3.0.2");
        String patroniSession = consul.sessionOf("service/it/leader");
        assertThat(c.leader().session()).as("Patroni's leader key is acquired by its session")
                .isEqualTo(patroniSession).isEqualTo(c.member("node0").orElseThrow().session());
        assertThat(consul.sessionSummary(patroniSession)).as("Patroni's own session settings")
                .isEqualTo("it-node0/delete/1ms");
        assertThat(consul.sessionTtl(patroniSession)).isEqualTo(Duration.ofSeconds(10));
        assertThat(consul.sessionSummary(c.member("node1").orElseThrow().session())).isEqualTo("it-node1/delete/1ms");
        // Patroni 3.0.2 tags its primary master + primary; Regent tags replicas as Patroni does
        awaitTrue("services of all three nodes, checks passing", () -> "[\"master\",\"primary\"]".equals(tags("node0"))
                && "[\"replica\"]".equals(tags("node1")) && "[\"replica\"]".equals(tags("node2"))
                && "passing".equals(consul.checkStatus("service:it/node0"))
                && "passing".equals(consul.checkStatus("service:it/node1")));
        exec(cluster.jdbcUrl(0), "CREATE TABLE mixed (v text); INSERT INTO mixed VALUES ('from-patroni')");
        awaitRow("from-patroni", 1, 2);
        PatroniCtl patronictl = PatroniCtl.forConsul(cluster.dir(), "it", "/service", consul.hostPort());
        InteropSupport.awaitTrue("patronictl lists three running members", Duration.ofSeconds(30),
                () -> patroni.tail(20), () -> {
                    Map<String, JsonNode> rows = InteropSupport.listJson(patronictl);
                    return rows.keySet().containsAll(List.of("node0", "node1", "node2"))
                            && rows.get("node0").path("Role").asText().equals("Leader")
                            && rows.get("node1").path("State").asText().matches("running|streaming");
                });
        Map<String, JsonNode> theirs = InteropSupport.listJson(patronictl);
        Map<String, JsonNode> ours = regentctlList();
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        for (String member : theirs.keySet()) {
            for (String column : List.of("Host", "Role", "TL")) {
                assertThat(ours.get(member).path(column).asText()).as(member + " " + column)
                        .isEqualTo(theirs.get(member).path(column).asText());
            }
        }
    }

    @Test
    @Order(2)
    void switchoverFromPatroniToRegent() throws Exception {
        HttpResponse<String> r = cluster.rest(0, "POST", "/switchover",
                "{\"leader\":\"node0\",\"candidate\":\"node1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully switched over to \"node1\"");
        await("node1 (Regent) leads, node0 (Patroni) follows", v -> v.isLeader("node1") && healthy(v, 3)
                && onTimeline(v, 2));
        exec(cluster.jdbcUrl(1), "INSERT INTO mixed VALUES ('from-regent')");
        awaitRow("from-regent", 0, 2);
        awaitTrue("the tags follow", () -> "[\"primary\",\"master\"]".equals(tags("node1"))
                && "[\"replica\"]".equals(tags("node0")));
    }

    @Test
    @Order(3)
    void switchoverFromRegentToPatroni() throws Exception {
        HttpResponse<String> r = cluster.rest(1, "POST", "/switchover",
                "{\"leader\":\"node1\",\"candidate\":\"node0\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("Successfully switched over to \"node0\"");
        await("node0 (Patroni) leads again", v -> v.isLeader("node0") && healthy(v, 3) && onTimeline(v, 3));
        exec(cluster.jdbcUrl(0), "INSERT INTO mixed VALUES ('patroni-again')");
        awaitRow("patroni-again", 1, 2);
    }

    @Test
    @Order(4)
    void failoverWhenThePatroniLeaderDies() throws Exception {
        await("node0 leads", v -> v.isLeader("node0") && healthy(v, 3));
        String session = consul.sessionOf("service/it/leader");
        patroni.kill9();
        cluster.killPostmaster(0);
        // Patroni's session outlives the process until the test server invalidates it (TTL 10 s, after 10-20 s)
        ClusterView v = await("a Regent node takes over", c -> c.leader() != null && !c.isLeader("node0")
                && c.member(c.leader().name()).map(m -> m.isRunning() && "primary".equals(m.role())).orElse(false));
        assertThat(consul.sessionIds()).doesNotContain(session);
        String leader = v.leader().name();
        int li = cluster.index(leader);
        exec(cluster.jdbcUrl(li), "INSERT INTO mixed VALUES ('after-failover')");
        awaitRow("after-failover", 3 - li);
    }

    @Test
    @Order(5)
    void neitherSideRejectedTheOthersData() throws Exception {
        String patroniLog = Files.readString(patroni.log());
        assertThat(patroniLog).as("Patroni log").doesNotContain("Traceback").doesNotContain("Failed to parse")
                .doesNotContain("Exception");
        for (int i = 1; i < 3; i++) {
            assertThat(Files.readString(cluster.node(i).log())).as("node%d Regent log", i)
                    .doesNotContain("Ignoring DCS key").doesNotContain("Exception");
        }
    }

    private static String tags(String member) {
        JsonNode s = consul.service("it/" + member);
        return s == null ? null : s.get("Tags").toString();
    }

    /** {@code regentctl -d consul://HOST:PORT list it -f json} in-process, rows by member name. */
    private static Map<String, JsonNode> regentctlList() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = dev.regent.ctl.RegentCtl.run(new String[] {"-d", "consul://" + consul.hostPort(), "list",
            "it", "-f", "json"}, new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true), Map.of("HOME", cluster.dir().toString()));
        assertThat(code).as(out + "\n" + err).isZero();
        Map<String, JsonNode> rows = new java.util.HashMap<>();
        InteropSupport.JSON.readTree(out.toString()).forEach(r -> rows.put(r.path("Member").asText(), r));
        return rows;
    }

    private static boolean streaming(ClusterView v, String name) {
        return v.member(name).map(m -> "streaming".equals(m.data().replicationState())).orElse(false);
    }

    private static boolean onTimeline(ClusterView v, int tl) {
        return v.members().stream().allMatch(m -> Integer.valueOf(tl).equals(m.data().timeline()));
    }

    private static ClusterView await(String what, java.util.function.Predicate<ClusterView> condition) {
        try {
            return cluster.await(what, HEALTHY, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "---- patroni node0\n" + patroni.tail(60), e);
        }
    }

    private static void awaitTrue(String what, InteropSupport.Check check) throws Exception {
        InteropSupport.awaitTrue(what, Duration.ofSeconds(30), () -> cluster.logs() + "---- patroni node0\n"
                + patroni.tail(40), check);
    }

    private static void awaitRow(String value, int... nodes) throws Exception {
        for (int n : nodes) {
            InteropSupport.awaitTrue("row '" + value + "' on node" + n, Duration.ofSeconds(30),
                    () -> cluster.logs() + "---- patroni node0\n" + patroni.tail(40),
                    () -> value.equals(queryOrNull(cluster.jdbcUrl(n),
                            "SELECT v FROM mixed WHERE v = '" + value + "'")));
        }
    }
}
