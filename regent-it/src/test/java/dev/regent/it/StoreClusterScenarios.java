package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.ctl.RegentCtl;
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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster scenario every DCS store runs end to end: three Regent daemons as processes, three real PostgreSQL 15
 * servers and the store's server. The scenarios share one cluster and run in order: bootstrap (the store's own key
 * layout checked by {@link #assertStoreLayout}, regentctl reading the store with each {@link #ctlDcsArguments}),
 * switchover under a 20 ms writer with no acknowledged write lost, kill -9 failover and rejoin, and the store stopped
 * (the primary demotes after retry_timeout, before ttl, and the cluster heals once the store is back). A store's test
 * class adds its own scenarios from {@code @Order(10)} on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class StoreClusterScenarios {
    static final Duration HEALTHY = Duration.ofSeconds(120);
    static final int TTL = 20;
    static final int LOOP_WAIT = 2;
    static final int RETRY_TIMEOUT = 4;
    private static final String TABLE = "store_check";

    protected LocalCluster cluster;

    /** Starts the store's server(s) and a 3-node cluster on them with {@link #TTL}, {@link #LOOP_WAIT}, ... */
    protected abstract LocalCluster start() throws Exception;

    /** Makes the store unreachable to every node (its servers stopped, their data kept). */
    protected abstract void stopStore() throws Exception;

    /** Brings the store back after {@link #stopStore}, with the data it had. */
    protected abstract void restartStore() throws Exception;

    /** Stops what {@link #start} started besides the cluster; the cluster is closed first. */
    protected void closeStore() throws Exception {}

    /** The keys, values, TTLs or sessions the store must hold after bootstrap, as Patroni writes them. */
    protected abstract void assertStoreLayout(ClusterView healthy) throws Exception;

    /** {@code -d} values with which regentctl must read the cluster from the store (as patronictl accepts them). */
    protected abstract List<String> ctlDcsArguments();

    @BeforeAll
    void startCluster() throws Exception {
        cluster = start();
    }

    @AfterAll
    void stopCluster() throws Exception {
        try {
            if (cluster != null) cluster.close();
        } finally {
            closeStore();
        }
    }

    @Test
    @Order(1)
    void bootstrapsWithTheStoresLayoutAndRegentctlReadsIt() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        assertThat(c.members()).hasSize(3);
        assertThat(c.initialize()).matches("\\d+");
        assertStoreLayout(c);
        int li = cluster.index(c.leader().name());
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).isEqualTo(200);
        exec(cluster.jdbcUrl(li), "CREATE TABLE " + TABLE + " (v int); INSERT INTO " + TABLE + " VALUES (1)");
        for (int i = 0; i < 3; i++) awaitRows(i, 1);
        for (String dcs : ctlDcsArguments()) {
            String[] out = ctl("-d", dcs, "list", "it");
            assertThat(out[0]).as("regentctl -d " + dcs + "\n" + out[1]).contains("Cluster: it").contains("node0")
                    .contains("node1").contains("node2").contains("Leader").contains("streaming");
        }
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
        // the dead daemon's leader key (or session) lives until the store expires it after ttl
        String newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        int ni = cluster.index(newLeader);
        awaitTrue("writes on the new primary", Duration.ofSeconds(30),
                () -> tryExec(ni, "INSERT INTO " + TABLE + " VALUES (2)"));
        cluster.node(oi).start();
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(newLeader);
        awaitRows(oi, 2);
    }

    @Test
    @Order(4)
    void storeStoppedMakesThePrimaryDemoteBeforeItsLockCouldExpire() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        int li = cluster.index(before.leader().name());
        long t0 = System.nanoTime();  // before: a call that fails may start while the store is being stopped
        stopStore();
        try {
            awaitTrue("the primary to demote", Duration.ofSeconds(TTL), () -> !acceptsWrites(li)
                    && cluster.rest(li, "GET", "/primary", null).statusCode() != 200);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            // It gives up a DCS call retry_timeout after the call started, and must finish before ttl, when its
            // lock could expire and a replica could be promoted. The call that fails may have started just before
            // t0, while the store still answered (a CI run saw the demotion 3.975 s after t0 with retry_timeout 4):
            // the lower bound allows that call one second, far more than a call to a live local store takes, and
            // still tells retrying from giving up at the first failure.
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(RETRY_TIMEOUT - 1)).isLessThan(
                    Duration.ofSeconds(TTL));
            assertThat(cluster.node(li).tail(200)).contains("demoting self because DCS is not accessible and I was a"
                    + " leader");
        } finally {
            restartStore();
        }
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        int ni = cluster.index(after.leader().name());
        awaitTrue("writes on the primary once the store is back", Duration.ofSeconds(30),
                () -> tryExec(ni, "INSERT INTO " + TABLE + " VALUES (3)"));
        for (int i = 0; i < 3; i++) awaitRows(i, 3);
    }

    protected boolean acceptsWrites(int node) {
        return "f".equals(queryOrNull(cluster.jdbcUrl(node), "SELECT pg_is_in_recovery()"));
    }

    /** Runs {@code sql} on a node; false when it fails (not a primary yet, down). */
    protected boolean tryExec(int node, String sql) {
        try {
            exec(cluster.jdbcUrl(node), sql);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Inserts {@code v} into the scenarios' table on whichever node accepts it within 30 s. */
    protected void insertOnPrimary(int node, int v) throws Exception {
        awaitTrue("writes on node" + node, Duration.ofSeconds(30),
                () -> tryExec(node, "INSERT INTO " + TABLE + " VALUES (" + v + ")"));
    }

    private Set<Long> ids(int node) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(node), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM regent_writes")) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        return present;
    }

    /** regentctl in-process with an empty environment; returns stdout and stderr; fails unless it exits 0. */
    protected String[] ctl(String... args) {
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

    /** Waits until the scenarios' table on {@code node} holds {@code rows} rows. */
    protected void awaitRows(int node, int rows) throws Exception {
        awaitTrue(rows + " rows on node" + node, Duration.ofSeconds(30),
                () -> Integer.toString(rows).equals(queryOrNull(cluster.jdbcUrl(node),
                        "SELECT count(*) FROM " + TABLE)));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    protected void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
    }
}
