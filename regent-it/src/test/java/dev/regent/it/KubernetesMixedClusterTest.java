package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static dev.regent.it.InteropSupport.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The migration path on Kubernetes, and the fidelity check of the fake API server: Debian's Patroni 3.0.2 with its
 * own {@code kubernetes} store (node0; its small urllib3 client, strategic-merge PATCHes, list+watch) and two Regent
 * nodes (node1, node2) share one cluster on the in-process fake API server, all through the same kubeconfig. Patroni
 * bootstraps and the Regent nodes join; a switchover hands the lock to Regent; the Regent leader is killed and the lock
 * it wrote expires in Patroni's eyes (Patroni's observed-record logic), so another member takes over.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesMixedClusterTest {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final String NS = LocalCluster.K8S_NAMESPACE;
    private static LocalCluster cluster;
    private static PatroniNode patroni;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.createOnKubernetes(3, 20, 2, 4);
        patroni = PatroniNode.create("node0", Files.readString(cluster.dir().resolve("node0.yml")),
                cluster.dir().resolve("node0"));
        patroni.putEnv("KUBECONFIG", cluster.kubeconfig().toString());
        patroni.start();
        await("Patroni bootstraps the cluster on Kubernetes", c -> c.isLeader("node0") && c.isInitialized()
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
    }

    private static void keepLogs() {
        try {
            Path out = Files.createDirectories(Path.of("target", "kubernetes-mixed-cluster-logs"));
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
    void regentNodesJoinThePatroniLedCluster() throws Exception {
        ClusterView c = await("two Regent replicas of the Patroni leader", v -> healthy(v, 3) && v.isLeader("node0"));
        assertThat(c.member("node0").orElseThrow().data().version()).isEqualTo("3.0.2");
        JsonNode lock = cluster.kubernetes().get(NS, "configmaps", "it-leader").path("metadata").path("annotations");
        assertThat(lock.path("leader").asText()).isEqualTo("node0");
        assertThat(lock.path("acquireTime").asText()).isNotEmpty();
        // Patroni 3.0.2 labels its primary 'master'; Regent labels its replicas with follower_label_value
        assertThat(label("node0")).isEqualTo("master");
        InteropSupport.awaitTrue("Regent replicas labelled", Duration.ofSeconds(30), () -> patroni.tail(20),
                () -> label("node1").equals("replica") && label("node2").equals("replica"));
        exec(cluster.jdbcUrl(0), "CREATE TABLE mixed (v text); INSERT INTO mixed VALUES ('from-patroni')");
        awaitRow("from-patroni", 1, 2);
    }

    @Test
    @Order(2)
    void switchoverFromPatroniToRegent() throws Exception {
        HttpResponse<String> r = cluster.rest(0, "POST", "/switchover",
                "{\"leader\":\"node0\",\"candidate\":\"node1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        await("node1 (Regent) leads, node0 (Patroni) follows", v -> v.isLeader("node1") && healthy(v, 3));
        exec(cluster.jdbcUrl(1), "INSERT INTO mixed VALUES ('from-regent')");
        awaitRow("from-regent", 0, 2);
        InteropSupport.awaitTrue("node1 labelled primary", Duration.ofSeconds(30), () -> patroni.tail(20),
                () -> label("node1").equals("primary"));
    }

    @Test
    @Order(3)
    void whenTheRegentLeaderDiesItsLockExpiresForPatroniToo() throws Exception {
        cluster.node(1).kill9();
        cluster.killPostmaster(1);
        ClusterView v = await("node0 (Patroni) or node2 (Regent) takes over", c -> c.leader() != null
                && !c.isLeader("node1") && c.member(c.leader().name()).map(m -> m.isRunning()
                        && "primary".equals(m.data().normalizedRole())).orElse(false));
        String leader = v.leader().name();
        exec(cluster.jdbcUrl(cluster.index(leader)), "INSERT INTO mixed VALUES ('after-failover')");
        cluster.node(1).start();
        await("the mixed cluster converges", c -> c.isLeader(leader) && healthy(c, 3));
        awaitRow("after-failover", 0, 1, 2);
    }

    @Test
    @Order(4)
    void neitherSideRejectedTheOthersData() throws Exception {
        String patroniLog = Files.readString(patroni.log());
        assertThat(patroniLog).as("Patroni log").doesNotContain("Traceback").doesNotContain("Failed to parse")
                .doesNotContain("Unexpected error from Kubernetes API");
        for (int i = 1; i < 3; i++) {
            assertThat(Files.readString(cluster.node(i).log())).as("node%d Regent log", i)
                    .doesNotContain("Ignoring DCS key").doesNotContain("Exception");
        }
    }

    private static String label(String pod) {
        return cluster.kubernetes().get(NS, "pods", pod).path("metadata").path("labels").path("role").asText();
    }

    private static void awaitRow(String value, int... nodes) throws Exception {
        for (int n : nodes) {
            InteropSupport.awaitTrue("row " + value + " on node" + n, Duration.ofSeconds(60), () -> patroni.tail(20),
                    () -> "1".equals(queryOrNull(cluster.jdbcUrl(n), "SELECT count(*) FROM mixed WHERE v = '"
                            + value + "'")));
        }
    }

    private static ClusterView await(String what, java.util.function.Predicate<ClusterView> condition) {
        try {
            return cluster.await(what, HEALTHY, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "---- patroni node0\n" + patroni.tail(60), e);
        }
    }
}
