package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.testkit.consul.ConsulTestServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link StoreClusterScenarios} on Consul: the in-project Consul test server (regent-testkit) run in this JVM and
 * reached by URL (no Consul agent can be installed here), sessions invalidated anywhere between TTL and 2 x TTL as
 * Consul documents, every node with {@code register_service: true}. Bootstrap checks Patroni's keys and sessions
 * and the services tagged by role; afterwards the tags have followed every change of leader, and the agent outage
 * was logged naming the agent.
 */
class ConsulClusterEndToEndTest extends StoreClusterScenarios {
    private ConsulTestServer consul;

    @Override
    protected LocalCluster start() throws Exception {
        consul = ItConsul.start();
        return LocalCluster.startOnConsul(consul.hostPort(), 3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @Override
    protected void stopStore() {
        consul.stop();
    }

    @Override
    protected void restartStore() {
        consul.restart();
    }

    @Override
    protected void closeStore() {
        if (consul != null) consul.close();
    }

    @Override
    protected List<String> ctlDcsArguments() {
        return List.of("consul://" + consul.hostPort());  // as patronictl -d consul://...
    }

    @Override
    protected void assertStoreLayout(ClusterView c) throws Exception {
        assertThat(cluster.etcd()).isNull();
        assertThat(cluster.nodeYaml(0)).contains("consul:\n  host: " + consul.hostPort());
        String leader = c.leader().name();
        String session = consul.sessionOf("service/it/leader");
        assertThat(consul.value("service/it/leader")).as("KV key without the leading slash").isEqualTo(leader);
        assertThat(c.leader().session()).isEqualTo(session).isEqualTo(c.member(leader).orElseThrow().session());
        assertThat(consul.sessionSummary(session)).as("Patroni's session: name, behavior, lock-delay")
                .isEqualTo("it-" + leader + "/delete/1ms");
        assertThat(consul.sessionTtl(session)).as("ttl / 2").isEqualTo(Duration.ofSeconds(TTL / 2));
        assertThat(c.members().stream().map(m -> m.session()).distinct()).as("one session per node").hasSize(3);
        assertThat(consul.sessionOf("service/it/config")).isNull();
        assertThat(consul.value("service/it/initialize")).matches("\\d+");
        awaitTrue("services tagged by role, with passing checks", Duration.ofSeconds(30), () -> tagsFollow(leader));
        JsonNode primary = consul.service("it/" + leader);
        assertThat(primary.get("Service").asText()).isEqualTo("it");
        assertThat(primary.get("Port").asInt()).isEqualTo(cluster.layout().pgPort(cluster.index(leader)));
        assertThat(primary.get("CheckHTTP").asText())
                .isEqualTo("http://127.0.0.1:" + cluster.layout().restPort(cluster.index(leader)) + "/primary");
    }

    /** Every node's service is tagged with its role (the primary also {@code master}) and its check passes. */
    private boolean tagsFollow(String leader) {
        for (int i = 0; i < 3; i++) {
            String name = "node" + i;
            JsonNode s = consul.service("it/" + name);
            if (s == null || !"passing".equals(consul.checkStatus("service:it/" + name))) return false;
            String expected = name.equals(leader) ? "[\"primary\",\"master\"]" : "[\"replica\"]";
            if (!s.get("Tags").toString().equals(expected)) return false;
        }
        return true;
    }

    @Test
    @Order(10)
    void theServiceTagsFollowedTheLeaderAndTheOutageNamedTheAgent() throws Exception {
        String leader = cluster.awaitHealthy(HEALTHY).leader().name();
        awaitTrue("the tags follow the current leader", Duration.ofSeconds(30), () -> tagsFollow(leader));
        boolean named = false;
        for (int i = 0; i < 3; i++) {
            named |= Files.readString(cluster.node(i).log()).contains("Consul agent at http://" + consul.hostPort()
                    + " not reachable within retry_timeout");
        }
        assertThat(named).as("a node logged which agent it could not reach").isTrue();
    }
}
