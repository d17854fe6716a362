package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.ctl.RegentCtl;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdProcess;
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
 * End to end on etcd's v2 API (Patroni's {@code etcd:} section): three Regent daemons as processes, three real
 * PostgreSQL 15 servers, and one real etcd 3.4 started with {@code --enable-v2}. The scenarios share the cluster and
 * run in order: bootstrap (TTL leader and member keys, regentctl with a bare {@code -d host:port}, patronictl's v2
 * default), switchover under a 20 ms writer, kill -9 failover and rejoin, etcd stopped (the primary demotes after
 * retry_timeout, before ttl).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdV2ClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final int TTL = 20;
    private static final int LOOP_WAIT = 2;
    private static final int RETRY_TIMEOUT = 4;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.startOnEtcdV2(3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void bootstrapsWithTtlLeaderAndMemberKeys() throws Exception {
        assertThat(cluster.onEtcdV2()).isTrue();
        assertThat(cluster.nodeYaml(0)).contains("etcd:\n  hosts:").doesNotContain("etcd3:");
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        assertThat(c.members()).hasSize(3);
        assertThat(c.initialize()).matches("\\d+");
        String leader = c.leader().name();
        assertThat(c.leader().session()).as("the leader key has a TTL").isNotNull();
        assertThat(c.members()).allSatisfy(m -> assertThat(m.session()).as(m.name() + " has a TTL").isNotNull());
        List<KeyValue> keys = cluster.dcs().store().getPrefix("/service/it/");
        assertThat(keys).filteredOn(kv -> kv.key().endsWith("/config") || kv.key().endsWith("/initialize"))
                .hasSize(2).allSatisfy(kv -> assertThat(kv.session()).as(kv.key() + " is persistent").isNull());
        // the keys are v2 keys, as Patroni's etcd module writes them
        String raw = get(cluster.etcd().endpoint() + "/v2/keys/service/it/leader");
        assertThat(raw).contains("\"value\":\"" + leader + "\"").contains("\"ttl\":");
        int li = cluster.index(leader);
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).isEqualTo(200);
        exec(cluster.jdbcUrl(li), "CREATE TABLE v2_check (v int); INSERT INTO v2_check VALUES (1)");
        for (int i = 0; i < 3; i++) awaitRows(i, 1);

        // regentctl reads the cluster from etcd's v2 API: etcd:// and, as patronictl, a bare host:port
        for (String dcs : List.of("etcd://" + cluster.etcd().hostPort(), cluster.etcd().hostPort())) {
            String[] out = ctl("-d", dcs, "list", "it");
            assertThat(out[0]).as(out[1]).contains("Cluster: it").contains("node0").contains("node1")
                    .contains("node2").contains("Leader").contains("streaming");
        }
    }

    private static String get(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    @Order(2)
    void switchoverLosesNoAcknowledgedWrite() throws Exception {
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
    }

    @Test
    @Order(3)
    void killOfTheLeaderFailsOverAndTheOldLeaderRejoins() throws Exception {
        String oldLeader = cluster.awaitHealthy(HEALTHY).leader().name();
        int oi = cluster.index(oldLeader);
        cluster.node(oi).kill9();
        cluster.killPostmaster(oi);
        // the dead daemon's leader key lives until its TTL runs out
        String newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        int ni = cluster.index(newLeader);
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> tryExec(ni, "INSERT INTO v2_check"
                + " VALUES (2)"));
        cluster.node(oi).start();
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(newLeader);
        awaitRows(oi, 2);
    }

    @Test
    @Order(4)
    void etcdStoppedMakesThePrimaryDemoteBeforeItsKeyCouldExpire() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        int li = cluster.index(before.leader().name());
        cluster.etcd().stop();
        long t0 = System.nanoTime();
        try {
            awaitTrue("the primary to demote", Duration.ofSeconds(TTL), () -> !acceptsWrites(li)
                    && cluster.rest(li, "GET", "/primary", null).statusCode() != 200);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            // It can only notice after retry_timeout of failed renewals; it must finish before ttl, when its leader
            // key could expire and a replica could be promoted.
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(RETRY_TIMEOUT)).isLessThan(
                    Duration.ofSeconds(TTL));
            assertThat(cluster.node(li).tail(200)).contains("demoting self because DCS is not accessible and I was a"
                    + " leader");
        } finally {
            cluster.etcd().restart();
        }
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        int ni = cluster.index(after.leader().name());
        awaitTrue("writes on the primary once etcd is back", Duration.ofSeconds(30),
                () -> tryExec(ni, "INSERT INTO v2_check VALUES (3)"));
        for (int i = 0; i < 3; i++) awaitRows(i, 3);
    }

    @Test
    @Order(5)
    void aDaemonOnAnEtcdWithoutTheV2ApiStopsWithAClearError() throws Exception {
        try (EtcdProcess v3only = EtcdProcess.start()) {  // etcd 3.4 without --enable-v2 answers 404, as 3.6 does
            java.nio.file.Path cfg = cluster.dir().resolve("no-v2.yml");
            java.nio.file.Files.writeString(cfg, cluster.layout().yaml(2, "etcd:\n  host: " + v3only.hostPort() + "\n")
                    .replace(cluster.dir().resolve("node2").toString(), cluster.dir().resolve("no-v2").toString()));
            RegentNode node = new RegentNode("node2", cfg, cluster.dir().resolve("no-v2.log"));
            node.start();
            assertThat(node.awaitExit(Duration.ofSeconds(60))).as("the daemon exits").isTrue();
            assertThat(node.exitCode()).isEqualTo(1);
            assertThat(node.tail(50)).contains("does not serve the v2 API (HTTP 404 on /v2/keys)")
                    .contains("etcd 3.6 removed it").contains("--enable-v2").contains("'etcd3:' section");
        }
    }

    private static boolean acceptsWrites(int node) {
        return "f".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT pg_is_in_recovery()"));
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
                        "SELECT count(*) FROM v2_check")));
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
