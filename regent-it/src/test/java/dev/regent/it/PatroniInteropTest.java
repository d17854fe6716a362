package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import java.time.Duration;
import java.util.ArrayList;
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
 * Debian's {@code patronictl} 3.0.2 (Patroni's own client, reading the DCS directly and calling the REST API)
 * against a Regent cluster on a real etcd v3: three Regent daemons, three real PostgreSQL 15 servers. The scenarios
 * share one cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniInteropTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalCluster cluster;
    private static PatroniCtl ctl;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(3, 20, 2, 4);
        ctl = PatroniCtl.forEtcd3(cluster.dir(), "it", "/service", cluster.etcd().hostPort());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void listShowsAllMembersWithRolesStatesTimelineAndLag() throws Exception {
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        awaitReplicasCaughtUp();
        Map<String, JsonNode> rows = listJson();
        assertThat(rows.keySet()).containsExactlyInAnyOrder("node0", "node1", "node2");
        for (int i = 0; i < 3; i++) {
            String name = "node" + i;
            JsonNode row = rows.get(name);
            assertThat(row.path("Cluster").asText()).isEqualTo("it");
            assertThat(row.path("Host").asText()).isEqualTo("127.0.0.1:" + cluster.layout().pgPort(i));
            assertThat(row.path("Role").asText()).as(name).isEqualTo(name.equals(leader) ? "Leader" : "Replica");
            // patronictl 3.0.2 shows the member's "state" (4.1 would show a replica's replication_state "streaming")
            assertThat(row.path("State").asText()).as(name).isEqualTo("running");
            assertThat(row.path("TL").asInt()).as(name).isEqualTo(1);
            if (!name.equals(leader)) assertThat(row.path("Lag in MB").asInt(-1)).as(name).isEqualTo(0);
        }
        PatroniCtl.Result pretty = ctl.run("list").assertOk("list");
        // 3.0.2 prints the system identifier in the title only for Citus groups (4.x always does)
        assertThat(pretty.output()).contains("+ Cluster: it ").contains("| " + leader + " ").contains("| Leader")
                .contains("| Replica");
    }

    @Test
    @Order(2)
    void showConfigPrintsTheDynamicConfiguration() {
        String out = ctl.run("show-config").assertOk("show-config").output();
        assertThat(out).contains("loop_wait: 2").contains("ttl: 20").contains("retry_timeout: 4")
                .contains("maximum_lag_on_failover: 1048576").contains("use_pg_rewind: true");
    }

    @Test
    @Order(3)
    void versionReadsEveryMembersRestStatus() {
        String out = ctl.run("version", "it").assertOk("version").output();
        assertThat(out).contains("patronictl version 3.0.2");
        for (int i = 0; i < 3; i++) assertThat(out).containsPattern("node" + i + ": Patroni \\S+ PostgreSQL 15");
    }

    @Test
    @Order(4)
    void switchoverMovesTheLeaderThroughTheRestApi() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        String candidate = leader.equals("node1") ? "node2" : "node1";
        String out = ctl.run("switchover", "it", "--master", leader, "--candidate", candidate, "--force")
                .assertOk("switchover").output();
        assertThat(out).doesNotContain("falling back to DCS").contains("Successfully switched over to \""
                + candidate + "\"");
        cluster.await("new leader " + candidate, HEALTHY, v -> v.leader() != null
                && v.leader().name().equals(candidate) && dev.regent.daemon.demo.Demo.healthy(v, 3));
        awaitReplicasCaughtUp();
        // list shows the member keys, which each node rewrites once per cycle: a replica that already streams on
        // timeline 2 may still publish 1 until its next cycle
        awaitTrue("every member on timeline 2 in patronictl list", HEALTHY,
                () -> listJson().values().stream().allMatch(row -> row.path("TL").asInt() == 2));
        Map<String, JsonNode> rows = listJson();
        assertThat(rows.get(candidate).path("Role").asText()).isEqualTo("Leader");
        assertThat(rows.get(leader).path("Role").asText()).isEqualTo("Replica");
        for (JsonNode row : rows.values()) assertThat(row.path("TL").asInt()).isEqualTo(2);
    }

    @Test
    @Order(5)
    void restartRestartsPostgres() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        String member = leader.equals("node0") ? "node2" : "node0";
        int i = cluster.index(member);
        String before = postmasterStartTime(i);
        String out = ctl.run("restart", "it", member, "--force").assertOk("restart").output();
        assertThat(out).contains("Success: restart on member " + member);
        awaitTrue("postmaster of " + member + " restarted", Duration.ofSeconds(60), () -> {
            String now = postmasterStartTime(i);
            return now != null && !now.equals(before);
        });
        cluster.awaitHealthy(HEALTHY);
    }

    private static Map<String, JsonNode> listJson() throws Exception {
        String out = ctl.run("list", "-f", "json").assertOk("list -f json").output();
        JsonNode arr = JSON.readTree(out.substring(out.indexOf('[')));
        Map<String, JsonNode> rows = new HashMap<>();
        arr.forEach(r -> rows.put(r.path("Member").asText(), r));
        return rows;
    }

    /** Lag in MB is rounded, so "caught up" is: every replica's xlog_location within 1 MB of the leader's optime. */
    private static void awaitReplicasCaughtUp() {
        cluster.await("replicas caught up", HEALTHY, v -> {
            if (v.leader() == null) return false;
            long optime = v.status().optime();
            List<Long> lags = new ArrayList<>();
            v.members().stream().filter(m -> !m.name().equals(v.leader().name()))
                    .forEach(m -> lags.add(m.data().xlogLocation() == null ? Long.MAX_VALUE
                            : optime - m.data().xlogLocation()));
            return optime > 0 && lags.stream().allMatch(l -> l < 512 * 1024);
        });
    }

    private static String postmasterStartTime(int node) {
        try {
            JsonNode n = JSON.readTree(cluster.rest(node, "GET", "/patroni", null).body());
            return n.path("state").asText().equals("running") ? n.path("postmaster_start_time").asText(null) : null;
        } catch (Exception e) {
            return null;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
    }
}
