package dev.regent.it;

import static dev.regent.it.InteropSupport.JSON;
import static dev.regent.it.InteropSupport.healthy;
import static dev.regent.it.InteropSupport.listJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A cluster of three real Patroni 3.0.2 daemons (Debian's package) on a real etcd v3, read by Regent's DCS layer
 * ({@code PatroniDcs}/{@code ClusterDecoder}, what regentctl and a joining Regent node rely on) and compared with what
 * {@code patronictl list -f json} and {@code show-config} say. Scenarios share the cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniClusterTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static LocalCluster cluster;
    private static PatroniCtl ctl;
    private static final List<PatroniNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startPatroni() throws Exception {
        cluster = LocalCluster.create(3, 20, 2, 4);
        ctl = PatroniCtl.forEtcd3(cluster.dir(), "it", "/service", cluster.etcd().hostPort());
        for (int i = 0; i < 3; i++) {
            String name = "node" + i;
            nodes.add(PatroniNode.create(name, cluster.layout().yaml(i), cluster.dir().resolve(name)));
        }
        for (PatroniNode n : nodes) n.start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (PatroniNode n : nodes) n.stop();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void decodesMembersRolesAndLeaderAsPatronictlDoes() throws Exception {
        ClusterView v = awaitHealthy();
        Map<String, JsonNode> rows = listJson(ctl);
        assertThat(rows.keySet()).containsExactlyInAnyOrder("node0", "node1", "node2");
        assertThat(v.members()).extracting(Member::name).containsExactlyInAnyOrder("node0", "node1", "node2");
        for (Member m : v.members()) {
            JsonNode row = rows.get(m.name());
            boolean leader = v.isLeader(m.name());
            assertThat(row.path("Role").asText()).as(m.name()).isEqualTo(leader ? "Leader" : "Replica");
            // Patroni 3.0.2 still writes the pre-4.0 role name "master"; Regent reads it as "primary"
            assertThat(m.role()).as(m.name()).isEqualTo(leader ? "master" : "replica");
            assertThat(m.data().normalizedRole()).isEqualTo(leader ? "primary" : "replica");
            assertThat(m.state()).isEqualTo(row.path("State").asText());
            assertThat(m.data().timeline()).isEqualTo(row.path("TL").asInt());
            URI conn = URI.create(m.connUrl());
            assertThat(conn.getHost() + ":" + conn.getPort()).isEqualTo(row.path("Host").asText());
            assertThat(m.apiUrl()).isEqualTo("http://127.0.0.1:" + cluster.layout().restPort(cluster.index(m.name()))
                    + "/patroni");
            assertThat(m.data().version()).isEqualTo("3.0.2");
        }
        assertThat(v.leader().member()).as("leader key resolves to its member").isNotNull();
        assertThat(v.initialize()).isEqualTo(restStatus(v.leader().name()).path("database_system_identifier")
                .asText());
        assertThat(v.status().optime()).isPositive();
    }

    @Test
    @Order(2)
    void decodesTheDynamicConfigAsShowConfigPrintsIt() {
        ClusterView v = cluster.await("config", HEALTHY, c -> c.config() != null);
        String shown = ctl.run("show-config").assertOk("show-config").output();
        assertThat(v.configOrEmpty().ttl()).isEqualTo(20);
        assertThat(v.configOrEmpty().loopWait()).isEqualTo(2);
        assertThat(v.configOrEmpty().retryTimeout()).isEqualTo(4);
        assertThat(v.configOrEmpty().usePgRewind()).isTrue();
        assertThat(shown).contains("ttl: 20").contains("loop_wait: 2").contains("retry_timeout: 4")
                .contains("use_pg_rewind: true");
    }

    @Test
    @Order(3)
    void decodesTimelineFromHistoryAfterASwitchover() throws Exception {
        String leader = awaitHealthy().leader().name();
        String candidate = leader.equals("node1") ? "node2" : "node1";
        ctl.run("switchover", "it", "--master", leader, "--candidate", candidate, "--force").assertOk("switchover");
        // Patroni writes /history in a cycle after the promotion: wait for it rather than for health alone.
        ClusterView v = cluster.await("switchover to " + candidate, HEALTHY, c -> c.isLeader(candidate)
                && healthy(c, 3) && c.members().stream().allMatch(m -> Integer.valueOf(2).equals(m.data().timeline()))
                && !c.history().entries().isEmpty());
        assertThat(v.timeline()).isEqualTo(2);
        assertThat(v.history().entries()).hasSize(1);
        assertThat(v.history().entries().get(0).timeline()).isEqualTo(1);
        assertThat(v.history().entries().get(0).newLeader()).isEqualTo(candidate);
        String history = ctl.run("history").assertOk("history").output();
        assertThat(history).contains("| " + candidate);
        Map<String, JsonNode> rows = listJson(ctl);
        assertThat(rows.get(candidate).path("Role").asText()).isEqualTo("Leader");
        for (JsonNode row : rows.values()) assertThat(row.path("TL").asInt()).isEqualTo(v.timeline());
        assertThat(v.failover()).as("the failover key is cleared after the switchover").isNull();
    }

    @Test
    @Order(4)
    void decodesTheSyncKey() throws Exception {
        ctl.run("edit-config", "it", "-s", "synchronous_mode=true", "--force").assertOk("edit-config");
        ClusterView v = cluster.await("a sync standby", HEALTHY, c -> c.sync() != null && c.leader() != null
                && c.leader().name().equals(c.sync().leader()) && c.sync().syncStandbys().size() == 1);
        String standby = v.sync().syncStandbys().iterator().next();
        InteropSupport.awaitTrue("patronictl shows the sync standby", Duration.ofSeconds(30), this::logs,
                () -> "Sync Standby".equals(listJson(ctl).get(standby).path("Role").asText()));
        assertThat(v.configOrEmpty().synchronousMode()).isEqualTo("on");
    }

    @Test
    @Order(5)
    void regentctlListsAndSwitchesOverAPatroniCluster() throws Exception {
        ClusterView before = awaitHealthy();
        Map<String, JsonNode> expected = listJson(ctl);
        String listed = regentctl("list", "it", "-f", "json");
        Map<String, JsonNode> rows = new java.util.HashMap<>();
        for (JsonNode row : JSON.readTree(listed)) rows.put(row.path("Member").asText(), row);
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String name : rows.keySet()) {
            for (String column : List.of("Host", "Role", "State", "TL")) {
                assertThat(rows.get(name).path(column).asText()).as("%s %s", name, column)
                        .isEqualTo(expected.get(name).path(column).asText());
            }
        }
        String leader = before.leader().name();
        String candidate = before.members().stream().map(Member::name).filter(n -> !n.equals(leader)
                && (before.sync() == null || before.sync().syncStandbys().contains(n))).findFirst().orElseThrow();
        String out = regentctl("switchover", "it", "--leader", leader, "--candidate", candidate, "--force");
        assertThat(out).contains("Successfully switched over to \"" + candidate + "\"");
        cluster.await("Patroni switched over by regentctl", HEALTHY, c -> c.isLeader(candidate) && healthy(c, 3));
        InteropSupport.awaitTrue("patronictl sees the new leader", Duration.ofSeconds(30), this::logs,
                () -> "Leader".equals(listJson(ctl).get(candidate).path("Role").asText()));
    }

    /** regentctl in-process with the same ctl file patronictl uses; fails with its output on a non-zero exit. */
    private static String regentctl(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = "-c";
        full[1] = ctl.config().toString();
        System.arraycopy(args, 0, full, 2, args.length);
        int code = dev.regent.ctl.RegentCtl.run(full, new java.io.ByteArrayInputStream(new byte[0]),
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8), Map.of());
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as("regentctl %s: %s %s", String.join(" ", args), text,
                err.toString(java.nio.charset.StandardCharsets.UTF_8)).isZero();
        return text;
    }

    private ClusterView awaitHealthy() {
        try {
            // Patroni 3.0.2 puts a replica's timeline into its member key a cycle or more after "running" (once it
            // knows the replayed timeline); the tests compare timelines, so wait for every member's
            return cluster.await("a healthy Patroni cluster, every member with its timeline", HEALTHY,
                    c -> healthy(c, 3) && c.members().stream().allMatch(m -> m.data().timeline() != null));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logs(), e);
        }
    }

    private String logs() {
        StringBuilder sb = new StringBuilder();
        for (PatroniNode n : nodes) sb.append("---- ").append(n).append('\n').append(n.tail(30)).append('\n');
        return sb.toString();
    }

    private static JsonNode restStatus(String member) throws Exception {
        return JSON.readTree(cluster.rest(cluster.index(member), "GET", "/patroni", null).body());
    }
}
