package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.ctl.RegentCtl;
import dev.regent.testkit.consul.ConsulTestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on Consul: three Regent daemons as processes with real PostgreSQL 15 servers, on the in-project Consul
 * test server (regent-testkit) run in this JVM and reached by URL (no Consul agent can be installed here), with
 * {@code register_service: true}. Sessions are invalidated anywhere between TTL and 2 x TTL, as Consul documents.
 * The scenarios share the cluster and run in order: bootstrap (Patroni's keys and sessions, services with role
 * tags, regentctl {@code -d consul://}), switchover under a 20 ms writer, kill -9 failover, agent outage (the primary
 * demotes after retry_timeout, naming the agent).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsulClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final int TTL = 20;
    private static final int LOOP_WAIT = 2;
    private static final int RETRY_TIMEOUT = 4;
    private static ConsulTestServer consul;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        consul = ItConsul.start();
        cluster = LocalCluster.startOnConsul(consul.hostPort(), 3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
        if (consul != null) consul.close();
    }

    @Test
    @Order(1)
    void bootstrapsWithSessionsServicesAndRegentctl() throws Exception {
        assertThat(cluster.nodeYaml(0)).contains("consul:\n  host: " + consul.hostPort());
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        String session = consul.sessionOf("service/it/leader");
        assertThat(consul.value("service/it/leader")).isEqualTo(leader);
        assertThat(c.leader().session()).isEqualTo(session);
        assertThat(consul.sessionSummary(session)).isEqualTo("it-" + leader + "/delete/1ms");
        assertThat(consul.sessionTtl(session)).as("ttl / 2").isEqualTo(Duration.ofSeconds(TTL / 2));
        assertThat(c.members()).allSatisfy(m -> assertThat(m.session()).as(m.name()).isNotNull());
        assertThat(consul.sessionOf("service/it/config")).isNull();
        assertThat(consul.value("service/it/initialize")).matches("\\d+");
        // every node registered itself, tagged with its role, with a passing check of its REST API
        awaitTrue("services tagged by role with passing checks", Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 3; i++) {
                String name = "node" + i;
                JsonNode s = consul.service("it/" + name);
                if (s == null || !"passing".equals(consul.checkStatus("service:it/" + name))) return false;
                String tags = s.get("Tags").toString();
                if (!tags.equals(name.equals(leader) ? "[\"primary\",\"master\"]" : "[\"replica\"]")) return false;
            }
            return true;
        });
        JsonNode primary = consul.service("it/" + leader);
        assertThat(primary.get("Service").asText()).isEqualTo("it");
        assertThat(primary.get("Port").asInt()).isEqualTo(cluster.layout().pgPort(cluster.index(leader)));
        assertThat(primary.get("CheckHTTP").asText())
                .isEqualTo("http://127.0.0.1:" + cluster.layout().restPort(cluster.index(leader)) + "/primary");
        exec(cluster.jdbcUrl(cluster.index(leader)), "CREATE TABLE consul_check (v int); INSERT INTO consul_check"
                + " VALUES (1)");
        for (int i = 0; i < 3; i++) awaitRows(i, 1);
        String[] out = ctl("-d", "consul://" + consul.hostPort(), "list", "it");
        assertThat(out[0]).as(out[1]).contains("Cluster: it").contains("node0").contains("node1").contains("node2")
                .contains("Leader").contains("streaming");
    }

    @Test
    @Order(2)
    void switchoverLosesNoAcknowledgedWriteAndTheTagsFollow() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(oldLeader))
                .findFirst().orElseThrow();
        List<Writer.Ack> acks;
        try (Writer w = new Writer(cluster::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                20).start()) {
            awaitTrue("a first acknowledged write", Duration.ofSeconds(30), () -> !w.acks().isEmpty());
            HttpResponse<String> r = cluster.rest(cluster.index(oldLeader), "POST", "/switchover",
                    "{\"leader\": \"" + oldLeader + "\", \"candidate\": \"" + candidate + "\"}");
            assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
            Thread.sleep(2000);
            w.close();
            acks = w.acks();
        }
        assertThat(acks).isNotEmpty();
        Set<Long> present = ids(cluster.index(candidate));
        assertThat(acks.stream().map(Writer.Ack::id).filter(id -> !present.contains(id)).toList())
                .as("acknowledged ids missing on the new primary").isEmpty();
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(candidate);
        awaitTrue("the tags follow the roles", Duration.ofSeconds(30), () ->
                tags(candidate).equals("[\"primary\",\"master\"]") && tags(oldLeader).equals("[\"replica\"]"));
    }

    @Test
    @Order(3)
    void killOfTheLeaderFailsOverWhenItsSessionIsInvalidated() throws Exception {
        String oldLeader = cluster.awaitHealthy(HEALTHY).leader().name();
        int oi = cluster.index(oldLeader);
        String session = consul.sessionOf("service/it/leader");
        cluster.node(oi).kill9();
        cluster.killPostmaster(oi);
        long t0 = System.nanoTime();
        // the dead daemon's leader key lives until Consul invalidates its session (TTL 10 s, after 10-20 s)
        String newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(consul.sessionIds()).as("the dead node's session is gone").doesNotContain(session);
        assertThat(took).as("failover within 2 x session TTL + a few loops").isLessThan(Duration.ofSeconds(TTL + 10));
        int ni = cluster.index(newLeader);
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> tryExec(ni, "INSERT INTO consul_check"
                + " VALUES (2)"));
        awaitTrue("the new primary's service is tagged primary", Duration.ofSeconds(30),
                () -> tags(newLeader).equals("[\"primary\",\"master\"]"));
        assertThat(cluster.cluster().member(oldLeader)).as("the dead member's key went with its session").isEmpty();
    }

    @Test
    @Order(4)
    void agentOutageMakesThePrimaryDemoteWithAClearError() throws Exception {
        ClusterView before = cluster.await("a leader", HEALTHY, c -> c.leader() != null);
        int li = cluster.index(before.leader().name());
        awaitTrue("the leader accepts writes", Duration.ofSeconds(30), () -> acceptsWrites(li));
        consul.stop();
        long t0 = System.nanoTime();
        try {
            awaitTrue("the primary to demote", Duration.ofSeconds(TTL), () -> !acceptsWrites(li));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(RETRY_TIMEOUT))
                    .isLessThan(Duration.ofSeconds(TTL));
            assertThat(cluster.node(li).tail(300)).contains("Consul agent at http://" + consul.hostPort()
                    + " not reachable within retry_timeout").contains("demoting self because DCS is not accessible");
        } finally {
            consul.restart();
        }
        String leader = cluster.await("a leader once the agent is back", HEALTHY, c -> c.leader() != null).leader()
                .name();
        awaitTrue("writes on the primary once the agent is back", Duration.ofSeconds(60),
                () -> tryExec(cluster.index(leader), "INSERT INTO consul_check VALUES (3)"));
    }

    private static boolean acceptsWrites(int node) {
        return "f".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT pg_is_in_recovery()"));
    }

    private static String tags(String member) {
        JsonNode s = consul.service("it/" + member);
        return s == null ? "" : s.get("Tags").toString();
    }

    private static boolean tryExec(int node, String sql) {
        try {
            exec(cluster.jdbcUrl(node), sql);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static Set<Long> ids(int node) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(node), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM regent_writes")) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        return present;
    }

    /** regentctl in-process with an empty environment; returns stdout and stderr. */
    private static String[] ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RegentCtl.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("HOME", cluster.dir().toString()));
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as("regentctl " + String.join(" ", args) + "\n" + o + e).isZero();
        return new String[] {o, e};
    }

    private static void awaitRows(int node, int rows) throws Exception {
        awaitTrue(rows + " rows on node" + node, Duration.ofSeconds(30),
                () -> Integer.toString(rows).equals(queryOrNull(cluster.jdbcUrl(node),
                        "SELECT count(*) FROM consul_check")));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
    }
}
