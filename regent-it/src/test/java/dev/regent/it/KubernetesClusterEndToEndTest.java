package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link StoreClusterScenarios} on Kubernetes (Patroni's {@code kubernetes:} section, ConfigMaps), on the in-process
 * fake API server ({@code FakeKubernetesApi}), which the daemons find through {@code KUBECONFIG} as a user outside a
 * cluster would; each member is a Pod the test created, as a StatefulSet would. Bootstrap checks Patroni's ConfigMaps
 * and annotations and the role labels, regentctl reads the cluster from a node's config and with
 * {@code -d kubernetes://NAMESPACE}; the store outage stops the fake server; then a switchover moves the lock (its
 * transitions count) and the labels, and after the kill -9 failover the labels follow the new leader.
 */
class KubernetesClusterEndToEndTest extends StoreClusterScenarios {
    private static final String NS = LocalCluster.K8S_NAMESPACE;

    @Override
    protected LocalCluster start() throws Exception {
        return LocalCluster.startOnKubernetes(3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @Override
    protected void stopStore() {
        cluster.kubernetes().stop();
    }

    @Override
    protected void restartStore() {
        cluster.kubernetes().restart();
    }

    @Override
    protected List<String> ctlDcsArguments() {
        return List.of("kubernetes://" + NS);  // the API server from <dir>/.kube/config, as the daemons find it
    }

    @Override
    protected void assertStoreLayout(ClusterView c) throws Exception {
        assertThat(cluster.nodeYaml(0)).contains("kubernetes:\n  namespace: regent-it").doesNotContain("etcd3:");
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
        String[] list = ctl("-c", cluster.dir().resolve("node0.yml").toString(), "list");
        assertThat(list[0]).as(list[1]).contains("Cluster: it").contains(leader).contains("Leader");
    }

    @Test
    @Order(10)
    void aSwitchoverMovesTheLockAndTheLabelsAndCountsATransition() throws Exception {
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String old = before.leader().name();
        awaitLabels(old);  // after the kill -9 failover too
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(old)).findFirst()
                .orElseThrow();
        long transitions = transitions();
        HttpResponse<String> r = cluster.rest(cluster.index(old), "POST", "/switchover",
                "{\"leader\": \"" + old + "\", \"candidate\": \"" + candidate + "\"}");
        assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
        cluster.await("the candidate leads a healthy cluster", HEALTHY,
                v -> v.isLeader(candidate) && InteropSupport.healthy(v, 3));
        assertThat(transitions()).as("a take-over by another member counts").isEqualTo(transitions + 1);
        awaitLabels(candidate);
    }

    private long transitions() {
        return Long.parseLong(cluster.kubernetes().get(NS, "configmaps", "it-leader").path("metadata")
                .path("annotations").path("transitions").asText());
    }

    /** The leader's Pod is labelled primary, the others replica (Services select on these). */
    private void awaitLabels(String leader) throws Exception {
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
}
