package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.awaitTrue;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.SyncState;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Synchronous replication end to end: one etcd, three Regent daemons, three PostgreSQL 15. In {@code on} mode and then
 * in {@code quorum} mode a writer inserts every 20 ms with {@code synchronous_commit=on} while the leader's daemon and
 * postmaster are killed with {@code kill -9} three times and two switchovers run; after every fault every id the writer
 * saw acknowledged is on the new primary. Then strict mode: with both replicas stopped a commit waits, and completes
 * when one replica returns.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncReplicationEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(150);
    private static LocalCluster cluster;

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
        if (cluster == null) return;
        try {
            // the cluster directory goes with the cluster: keep the node logs for diagnosis
            java.nio.file.Path out = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target",
                    "sync-e2e-logs"));
            for (int i = 0; i < 3; i++) {
                java.nio.file.Files.copy(cluster.node(i).log(), out.resolve("node" + i + ".log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            // diagnostics only
        }
        cluster.close();
    }

    @Test
    @Order(1)
    void onModePublishesTheSynchronousStandbyAfterListingIt() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        patch("{\"synchronous_mode\": \"on\"}");
        ClusterView c = awaitSync("on");
        String leader = c.leader().name();
        String standby = c.sync().syncStandbys().iterator().next();
        assertThat(show(leader)).isEqualTo(quoted(standby));
        // each node answers from the cluster view of its last cycle: poll, as Patroni's acceptance steps do
        String other = other(c, leader, standby);
        awaitStatus(standby, "/sync", 200);
        awaitStatus(standby, "/synchronous", 200);
        awaitStatus(other, "/async", 200);
        awaitStatus(other, "/sync", 503);
        // a switchover to the asynchronous standby is refused with Patroni's reason
        HttpResponse<String> r = cluster.rest(cluster.index(leader), "POST", "/switchover",
                "{\"leader\": \"" + leader + "\", \"candidate\": \"" + other + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(412);
        assertThat(r.body()).contains("candidate name does not match with sync_standby");
    }

    @Test
    @Order(2)
    void onModeLosesNoAcknowledgedCommitAcrossKillsAndSwitchovers() throws Exception {
        faults("on");
    }

    @Test
    @Order(3)
    void quorumModeListsBothStandbysAndLosesNoAcknowledgedCommit() throws Exception {
        cluster.awaitHealthy(HEALTHY);
        patch("{\"synchronous_mode\": \"quorum\"}");
        ClusterView c = awaitSync("quorum");
        String leader = c.leader().name();
        List<String> standbys = c.sync().syncStandbys().stream().sorted().toList();
        assertThat(show(leader)).isEqualTo("ANY 1 (" + quoted(standbys.get(0)) + "," + quoted(standbys.get(1)) + ")");
        for (String s : standbys) awaitStatus(s, "/quorum", 200);
        faults("quorum");
    }

    @Test
    @Order(4)
    void strictModeBlocksCommitsWithoutStandbyUntilOneReturns() throws Exception {
        patch("{\"synchronous_mode\": \"on\", \"synchronous_mode_strict\": true}");
        ClusterView c = awaitSync("on");
        String leader = c.leader().name();
        List<String> replicas = c.members().stream().map(m -> m.name()).filter(n -> !n.equals(leader)).toList();
        String url = cluster.jdbcUrl(cluster.index(leader));
        ClusterEndToEndTest.exec(url, "CREATE TABLE IF NOT EXISTS strict_check (v int)"); // before: DDL commits too
        for (String r : replicas) cluster.node(cluster.index(r)).stop();
        awaitTrue("synchronous_standby_names = '*' on " + leader, Duration.ofSeconds(60),
                () -> "*".equals(show(leader)));
        CompletableFuture<Void> insert = CompletableFuture.runAsync(() -> {
            try {
                ClusterEndToEndTest.exec(url, "INSERT INTO strict_check VALUES (1)");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(5000);
        assertThat(insert).as("the commit waits for a synchronous standby").isNotDone();
        cluster.node(cluster.index(replicas.get(0))).start();
        insert.get(90, TimeUnit.SECONDS);
        assertThat(queryOrNull(url, "SELECT count(*) FROM strict_check")).isEqualTo("1");
        cluster.node(cluster.index(replicas.get(1))).start();
        cluster.awaitHealthy(HEALTHY);
        patch("{\"synchronous_mode\": \"off\", \"synchronous_mode_strict\": false}");
        String now = cluster.leaderName(HEALTHY);
        cluster.await("/sync deleted", Duration.ofSeconds(60), v -> v.sync() == null);
        awaitTrue("synchronous_standby_names restored", Duration.ofSeconds(60), () -> "".equals(show(now)));
    }

    /** Three kill -9 of the leader's daemon and postmaster, two switchovers; every acknowledged id survives each. */
    private static void faults(String mode) throws Exception {
        try (Writer w = new Writer(cluster::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                20).start()) {
            awaitTrue("a first acknowledged write", Duration.ofSeconds(60), () -> !w.acks().isEmpty());
            for (int i = 0; i < 3; i++) {
                ClusterView before = awaitSync(mode);
                String old = before.leader().name();
                int acked = w.acks().size();
                awaitTrue("writes acknowledged in " + mode + " mode", Duration.ofSeconds(30),
                        () -> w.acks().size() > acked + 10);
                int oi = cluster.index(old);
                cluster.node(oi).kill9();
                cluster.killPostmaster(oi);
                try {
                    ClusterView after = cluster.await("a new leader after killing " + old, HEALTHY,
                            v -> v.leader() != null && !v.leader().name().equals(old));
                    String next = after.leader().name();
                    assertThat(before.sync().matches(next)).as(next + " was in /sync " + before.sync()).isTrue();
                    int ackedNow = w.acks().size();
                    awaitTrue("writes on " + next, Duration.ofSeconds(60), () -> w.acks().size() > ackedNow + 20);
                    assertAcknowledgedPresent(w, next);
                } finally {
                    cluster.node(oi).start(); // the old leader rejoins (pg_rewind) whatever the outcome
                }
                cluster.awaitHealthy(HEALTHY);
            }
            for (int i = 0; i < 2; i++) {
                ClusterView before = awaitSync(mode);
                String old = before.leader().name();
                String candidate = before.sync().syncStandbys().stream().sorted().findFirst().orElseThrow();
                HttpResponse<String> r = cluster.rest(cluster.index(old), "POST", "/switchover",
                        "{\"leader\": \"" + old + "\", \"candidate\": \"" + candidate + "\"}");
                assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
                // the caught-up voter itself takes over (quorum mode: not another one in its place)
                assertThat(r.body()).as(cluster.logs())
                        .isEqualTo("Successfully switched over to \"" + candidate + "\"");
                int acked = w.acks().size();
                awaitTrue("writes on " + candidate, Duration.ofSeconds(60), () -> w.acks().size() > acked + 20);
                assertAcknowledgedPresent(w, candidate);
                cluster.awaitHealthy(HEALTHY);
            }
        }
    }

    private static void assertAcknowledgedPresent(Writer w, String node) throws Exception {
        List<Writer.Ack> acks = w.acks();
        Set<Long> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(cluster.index(node)), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM regent_writes")) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        List<Long> missing = acks.stream().map(Writer.Ack::id).filter(id -> !present.contains(id)).toList();
        assertThat(missing).as("acknowledged ids missing on " + node + "\n" + cluster.logs()).isEmpty();
        assertThat(acks).isNotEmpty();
    }

    /** The cluster healthy with /sync naming the leader and its synchronous standbys as {@code mode} wants. */
    private static ClusterView awaitSync(String mode) {
        return cluster.await("healthy with /sync in " + mode + " mode", HEALTHY, c -> {
            if (!dev.regent.daemon.demo.Demo.healthy(c, 3)) return false;
            SyncState s = c.sync();
            if (s == null || !c.leader().name().equals(s.leader())) return false;
            // both: /sync and synchronous_standby_names are written in separate steps (each safe on its own), so
            // wait for the pair, not the first of them
            return mode.equals("quorum") ? s.syncStandbys().size() == 2 && s.quorum() == 1
                    && ("ANY 1 (" + String.join(",", s.syncStandbys().stream().sorted()
                            .map(SyncReplicationEndToEndTest::quoted).toList()) + ")").equals(show(c.leader().name()))
                    : s.syncStandbys().size() == 1 && s.quorum() == 0
                    && quoted(s.syncStandbys().iterator().next()).equals(show(c.leader().name()));
        });
    }

    private static void awaitStatus(String node, String path, int status) throws Exception {
        awaitTrue("GET " + path + " = " + status + " on " + node, Duration.ofSeconds(20),
                () -> cluster.rest(cluster.index(node), "GET", path, null).statusCode() == status);
    }

    private static void patch(String json) {
        HttpResponse<String> r = cluster.rest(0, "PATCH", "/config", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String show(String node) {
        return queryOrNull(cluster.jdbcUrl(cluster.index(node)), "SHOW synchronous_standby_names");
    }

    private static String quoted(String name) {
        return dev.regent.core.sync.SyncStandbyNames.quote(name);
    }

    private static String other(ClusterView c, String a, String b) {
        return c.members().stream().map(m -> m.name()).filter(n -> !n.equals(a) && !n.equals(b)).findFirst()
                .orElseThrow();
    }
}
