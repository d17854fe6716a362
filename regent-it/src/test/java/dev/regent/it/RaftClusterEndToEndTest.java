package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on the embedded Raft DCS: three Regent daemons as processes, each running a voting Raft peer (peers
 * authenticate with a password), three real PostgreSQL 15 servers, and no etcd at all. Scenarios share one cluster and
 * run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.startOnRaft(3, 20, 2, 4);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void bootstrapsWithoutAnyExternalDcs() throws Exception {
        assertThat(cluster.etcd()).isNull();
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        assertThat(c.members()).hasSize(3);
        assertThat(c.initialize()).matches("\\d+");
        int li = cluster.index(c.leader().name());
        assertThat(cluster.rest(li, "GET", "/primary", null).statusCode()).isEqualTo(200);
        exec(cluster.jdbcUrl(li), "CREATE TABLE raft_check (v int); INSERT INTO raft_check VALUES (1)");
        for (int i = 0; i < 3; i++) awaitRows(i, 1);
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
            // Writes acknowledged before the switchover, however slow the writer's first connection is.
            ClusterEndToEndTest.awaitTrue("a first acknowledged write", Duration.ofSeconds(30),
                    () -> !w.acks().isEmpty());
            HttpResponse<String> r = cluster.rest(cluster.index(oldLeader), "POST", "/switchover",
                    "{\"leader\": \"" + oldLeader + "\", \"candidate\": \"" + candidate + "\"}");
            assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
            Thread.sleep(2000);
            w.close();
            acks = w.acks();
        }
        assertThat(acks).isNotEmpty();
        String count = queryOrNull(cluster.jdbcUrl(cluster.index(candidate)),
                "SELECT count(*) FROM regent_writes WHERE id = ANY('{" + String.join(",",
                        acks.stream().map(a -> Long.toString(a.id())).toList()) + "}'::bigint[])");
        assertThat(count).as("acknowledged writes present on the new primary").isEqualTo(Integer.toString(acks.size()));
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(candidate);
    }

    @Test
    @Order(3)
    void hostLossOfTheLeaderKeepsTheRaftMajorityAndFailsOver() throws Exception {
        String oldLeader = cluster.awaitHealthy(HEALTHY).leader().name();
        int oi = cluster.index(oldLeader);
        // The daemon takes its Raft peer with it: two of three peers remain, so the DCS stays available.
        cluster.node(oi).kill9();
        cluster.killPostmaster(oi);
        String newLeader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        int ni = cluster.index(newLeader);
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> {
            try {
                exec(cluster.jdbcUrl(ni), "INSERT INTO raft_check VALUES (2)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        cluster.node(oi).start();
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(newLeader);
        awaitRows(oi, 2);
    }

    @Test
    @Order(4)
    void coldRestartOfEveryNodeKeepsTheClusterAndItsData() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String initialize = before.initialize();
        for (int i = 0; i < 3; i++) cluster.node(i).requestStop();
        for (int i = 0; i < 3; i++) cluster.node(i).stop();
        for (int i = 0; i < 3; i++) assertThat(cluster.node(i).isAlive()).isFalse();
        for (int i = 0; i < 3; i++) cluster.node(i).start();
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.initialize()).as("same cluster (system identifier) after the cold restart")
                .isEqualTo(initialize);
        assertThat(after.history().entries().size()).isGreaterThanOrEqualTo(before.history().entries().size());
        int li = cluster.index(after.leader().name());
        exec(cluster.jdbcUrl(li), "INSERT INTO raft_check VALUES (3)");
        for (int i = 0; i < 3; i++) awaitRows(i, 3);
    }

    private static void awaitRows(int node, int rows) throws Exception {
        awaitTrue(rows + " rows on node" + node, Duration.ofSeconds(30),
                () -> Integer.toString(rows).equals(queryOrNull(cluster.jdbcUrl(node),
                        "SELECT count(*) FROM raft_check")));
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
    }
}
