package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.ClusterView;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on Kubernetes (Patroni's {@code kubernetes:} section, ConfigMaps): three Regent daemons as processes with
 * three real PostgreSQL 15 servers, on the in-process fake API server ({@code FakeKubernetesApi}), which the daemons
 * find through {@code KUBECONFIG} as a user outside a cluster would; each member is a Pod the test created, as a
 * StatefulSet would. In order: bootstrap (Patroni's ConfigMaps and annotations, role labels, regentctl), switchover
 * (labels follow), kill -9 of the leader (the lock expires by observation after ttl; the old leader rejoins).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesClusterEndToEndTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final String NS = LocalCluster.K8S_NAMESPACE;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.startOnKubernetes(3, 20, 2, 4);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void bootstrapsOnPatronisConfigMapsWithRoleLabels() throws Exception {
        assertThat(cluster.nodeYaml(0)).contains("kubernetes:\n  namespace: regent-it").doesNotContain("etcd3:");
        ClusterView c = cluster.awaitHealthy(HEALTHY);
        String leader = c.leader().name();
        ObjectNode lock = cluster.kubernetes().get(NS, "configmaps", "it-leader");
        JsonNode ann = lock.path("metadata").path("annotations");
        assertThat(ann.path("leader").asText()).isEqualTo(leader);
        assertThat(ann.path("ttl").asText()).isEqualTo("20");
        assertThat(lock.path("metadata").path("labels").path("cluster-name").asText()).isEqualTo("it");
        JsonNode config = cluster.kubernetes().get(NS, "configmaps", "it-config").path("metadata").path("annotations");
        assertThat(config.path("initialize").asText()).matches("\\d+").isEqualTo(c.initialize());
        assertThat(config.path("config").asText()).contains("\"ttl\":20");
        awaitLabels(leader);
        exec(cluster.jdbcUrl(cluster.index(leader)),
                "CREATE TABLE k8s_check (v int); INSERT INTO k8s_check VALUES (1)");
        for (int i = 0; i < 3; i++) awaitRows(i, 1);

        // regentctl finds the API server through KUBECONFIG, from the node's config and with -d kubernetes://
        String list = regentctl("-c", cluster.dir().resolve("node0.yml").toString(), "list");
        assertThat(list).contains("Cluster: it").contains("node0").contains("node1").contains("node2")
                .contains("Leader").contains("streaming");
        assertThat(regentctl("-d", "kubernetes://" + NS, "list", "it")).contains(leader).contains("Leader");
    }

    @Test
    @Order(2)
    void switchoverMovesTheLockAndTheLabels() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String old = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(old)).findFirst()
                .orElseThrow();
        long transitions = transitions();
        HttpResponse<String> r = cluster.rest(cluster.index(old), "POST", "/switchover",
                "{\"leader\": \"" + old + "\", \"candidate\": \"" + candidate + "\"}");
        assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
        ClusterView after = cluster.await("the candidate leads a healthy cluster", HEALTHY,
                v -> v.isLeader(candidate) && InteropSupport.healthy(v, 3));
        assertThat(after.leader().name()).isEqualTo(candidate);
        assertThat(transitions()).as("a take-over by another member counts").isEqualTo(transitions + 1);
        awaitLabels(candidate);
    }

    @Test
    @Order(3)
    void killOfTheLeaderFailsOverOnceTheLockIsSeenUnchangedForTtl() throws Exception {
        String old = cluster.awaitHealthy(HEALTHY).leader().name();
        int oi = cluster.index(old);
        cluster.node(oi).kill9();
        cluster.killPostmaster(oi);
        long t0 = System.nanoTime();
        String leader = cluster.await("a new leader", Duration.ofSeconds(90),
                c -> c.leader() != null && !c.leader().name().equals(old)).leader().name();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the lock lives until ttl after its last change")
                .isGreaterThan(Duration.ofSeconds(10));
        int ni = cluster.index(leader);
        awaitTrue("writes on the new primary", Duration.ofSeconds(30), () -> {
            try {
                exec(cluster.jdbcUrl(ni), "INSERT INTO k8s_check VALUES (2)");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        cluster.node(oi).start();
        assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(leader);
        awaitRows(oi, 2);
        awaitLabels(leader);
    }

    private static long transitions() {
        return Long.parseLong(cluster.kubernetes().get(NS, "configmaps", "it-leader").path("metadata")
                .path("annotations").path("transitions").asText());
    }

    /** The leader's Pod is labelled primary, the others replica (Services select on these). */
    private static void awaitLabels(String leader) throws Exception {
        awaitTrue("role labels: " + leader + " primary, the others replica", Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 3; i++) {
                String name = "node" + i;
                String role = cluster.kubernetes().get(NS, "pods", name).path("metadata").path("labels")
                        .path("role").asText();
                if (!role.equals(name.equals(leader) ? "primary" : "replica")) return false;
            }
            return true;
        });
    }

    /** regentctl as a process with KUBECONFIG set (it finds the API server as the daemon does). */
    static String regentctl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.regent.ctl.RegentCtl"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", cluster.kubeconfig().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("regentctl " + String.join(" ", args) + "\n" + out).isZero();
        return out;
    }

    private static void awaitRows(int node, int rows) throws Exception {
        awaitTrue(rows + " rows on node" + node, Duration.ofSeconds(30),
                () -> Integer.toString(rows).equals(queryOrNull(cluster.jdbcUrl(node),
                        "SELECT count(*) FROM k8s_check")));
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
