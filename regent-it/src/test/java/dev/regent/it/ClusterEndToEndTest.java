package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end: one real etcd, three Regent daemons as processes, three real PostgreSQL 15 servers. The scenarios share
 * one cluster and run in order (each leaves the cluster healthy for the next), which keeps the suite short on 2 cores.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(3, 20, 2, 4);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void bootstrapsOnePrimaryAndTwoStreamingReplicas() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        assertThat(c.members()).hasSize(3);
        assertThat(c.initialize()).matches("\\d+");
        int li = cluster.index(leader);
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            if (i == li) continue;
            assertThat(cluster.rest(i, "GET", "/primary", null).statusCode()).as("node%d /primary", i).isEqualTo(503);
            assertThat(cluster.rest(i, "GET", "/replica", null).statusCode()).as("node%d /replica", i).isEqualTo(200);
        }
        exec(cluster.jdbcUrl(li), "CREATE TABLE bootstrap_check (v int); INSERT INTO bootstrap_check VALUES (42)");
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("row replicated to node" + i, Duration.ofSeconds(30),
                    () -> "42".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT v FROM bootstrap_check")));
        }
    }

    @Test
    @Order(2)
    void badRestBodiesGetClearErrors() {
        HttpResponse<String> r = cluster.rest(0, "POST", "/switchover", "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body().toLowerCase()).contains("json");
        HttpResponse<String> r2 = cluster.rest(0, "POST", "/failover", "{\"candidate\": null}");
        assertThat(r2.statusCode()).isEqualTo(400);
        assertThat(r2.body()).contains("Failover could be performed only to a specific candidate");
        HttpResponse<String> r3 = cluster.rest(0, "PATCH", "/config", "[1,2]");
        assertThat(r3.statusCode()).isEqualTo(400);
    }

    @Test
    @Order(3)
    void patchConfigReachesEveryNode() throws Exception {
        HttpResponse<String> r = cluster.rest(0, "PATCH", "/config",
                "{\"ttl\": 25, \"postgresql\": {\"parameters\": {\"work_mem\": \"12MB\"}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(cluster.cluster().config().intValue("ttl", 0)).isEqualTo(25);
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("work_mem=12MB on node" + i, Duration.ofSeconds(30),
                    () -> "12MB".equals(queryOrNull(cluster.jdbcUrl(node), "SHOW work_mem")));
        }
    }

    @Test
    @Order(4)
    void switchoverLosesNoAcknowledgedWrite() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(oldLeader))
                .findFirst().orElseThrow();
        try (Writer w = new Writer(cluster::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                20).start()) {
            // Writes acknowledged before the switchover, however slow the writer's first connection is.
            awaitTrue("a first acknowledged write", Duration.ofSeconds(30), () -> !w.acks().isEmpty());
            HttpResponse<String> r = cluster.rest(cluster.index(oldLeader), "POST", "/switchover",
                    "{\"leader\": \"" + oldLeader + "\", \"candidate\": \"" + candidate + "\"}");
            assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
            assertThat(r.body()).contains(candidate);
            Thread.sleep(2000);
            w.close();
            assertThat(w.acks()).isNotEmpty();
            assertAllAcknowledgedWritesPresent(w.acks(), cluster.index(candidate));
        }
        // The new leader writes /history after promote (as Patroni does): the cluster may look healthy before that.
        ClusterView after = cluster.await("healthy with the history entry of " + candidate, HEALTHY,
                c -> dev.regent.daemon.demo.Demo.healthy(c, 3) && !c.history().entries().isEmpty()
                        && candidate.equals(c.history().entries().get(c.history().entries().size() - 1).newLeader()));
        assertThat(after.leader().name()).isEqualTo(candidate);
    }

    @Test
    @Order(5)
    void crashedPostgresIsRestartedInPlace() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        int li = cluster.index(leader);
        long oldPid = cluster.postmasterPid(li);
        cluster.killPostmaster(li);
        awaitTrue("postgres on " + leader + " accepts writes again", Duration.ofSeconds(60), () -> {
            try {
                exec(cluster.primaryJdbcUrl(), "CREATE TABLE IF NOT EXISTS crash_check (v int);"
                        + " INSERT INTO crash_check VALUES (1)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        assertThat(cluster.postmasterPid(li)).isNotEqualTo(oldPid);
        cluster.awaitHealthy(HEALTHY);
    }

    @Test
    @Order(6)
    void failoverAfterKillOfLeaderAndRejoinWithRewind() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        int oi = cluster.index(oldLeader);
        exec(cluster.jdbcUrl(oi), "CREATE TABLE IF NOT EXISTS failover_check (v int); INSERT INTO failover_check"
                + " VALUES (7)");
        for (int i = 0; i < 3; i++) {
            int node = i;
            awaitTrue("row 7 replicated to node" + i, Duration.ofSeconds(30),
                    () -> "1".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT count(*) FROM failover_check")));
        }
        cluster.node(oi).kill9();
        cluster.killPostmaster(oi);
        String newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        String[] lastError = {null};
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> {
            try {
                exec(cluster.jdbcUrl(cluster.index(newLeader)), "INSERT INTO failover_check VALUES (8)");
                return true;
            } catch (SQLException e) {
                lastError[0] = e.getMessage();
                return false;
            }
        }, () -> lastError[0]);
        cluster.node(oi).start();
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).isEqualTo(newLeader);
        awaitTrue("old leader replays the new timeline", Duration.ofSeconds(30),
                () -> "2".equals(queryOrNull(cluster.jdbcUrl(oi), "SELECT count(*) FROM failover_check")));
    }

    /**
     * After bootstrap, REST errors, a switchover, a crash and a failover with rewind: no configured password appears in
     * any log of the run, the daemons' and PostgreSQL's alike (issue 16).
     */
    @Test
    @Order(7)
    void noConfiguredPasswordAppearsInAnyLog() throws Exception {
        List<String> secrets = List.of(LocalCluster.SUPERUSER_PASSWORD, "regent-replicator", "regent-rewind");
        String config = java.nio.file.Files.readString(cluster.dir().resolve(cluster.node(0).name() + ".yml"));
        assertThat(secrets).as("the passwords the nodes are configured with").allMatch(config::contains);
        List<java.nio.file.Path> logs;
        try (var files = java.nio.file.Files.walk(cluster.dir())) {
            logs = files.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".log")
                            || f.getParent().getFileName().toString().equals("log"))
                    .toList();
        }
        assertThat(logs).as("the run's logs").anyMatch(f -> f.getFileName().toString().equals("regent.log"));
        for (java.nio.file.Path f : logs) {
            String text = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8);
            for (String secret : secrets) {
                assertThat(text).as("%s must not contain a configured password", f).doesNotContain(secret);
            }
        }
    }

    private static void assertAllAcknowledgedWritesPresent(List<Writer.Ack> acks, int node) throws Exception {
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(node), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM regent_writes")) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        List<Long> missing = acks.stream().map(Writer.Ack::id).filter(id -> !present.contains(id)).toList();
        assertThat(missing).as("acknowledged ids missing on the new primary").isEmpty();
    }

    static void exec(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String queryOrNull(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        awaitTrue(what, timeout, check, () -> "");
    }

    static void awaitTrue(String what, Duration timeout, Check check, java.util.function.Supplier<String> detail)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + " " + detail.get() + "\n"
                + (cluster == null ? "" : cluster.logs()));
    }
}
