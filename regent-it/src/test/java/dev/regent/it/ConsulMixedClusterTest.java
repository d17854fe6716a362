package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.testkit.consul.ConsulTestServer;
import java.time.Duration;

/**
 * {@link MixedStoreScenarios} on Consul, which keeps the Consul test server honest: Debian's Patroni 3.0.2 with its
 * {@code consul} module (python3-consul) and two Regent nodes on the in-project Consul test server run in this JVM,
 * all with {@code register_service: true}. Patroni's own session and service are checked as the test server sees
 * them.
 */
class ConsulMixedClusterTest extends MixedStoreScenarios {
    private ConsulTestServer consul;

    @Override
    protected LocalCluster create() throws Exception {
        consul = ItConsul.start();
        return LocalCluster.createOnConsul(consul.hostPort(), 3, 20, 2, 4);
    }

    @Override
    protected void closeStore() {
        if (consul != null) consul.close();
    }

    @Override
    protected String storeName() {
        return "consul";
    }

    @Override
    protected PatroniCtl patronictl() {
        return PatroniCtl.forConsul(cluster.dir(), "it", "/service", consul.hostPort());
    }

    @Override
    protected String regentctlDcs() {
        return "consul://" + consul.hostPort();
    }

    @Override
    protected void assertPatroniLeaderLock(ClusterView c) {
        String session = consul.sessionOf("service/it/leader");
        assertThat(c.leader().session()).as("Patroni's leader key is acquired by its session")
                .isEqualTo(session).isEqualTo(c.member("node0").orElseThrow().session());
        assertThat(consul.sessionSummary(session)).as("Patroni's session: name, behavior, lock-delay")
                .isEqualTo("it-node0/delete/1ms");
        assertThat(consul.sessionTtl(session)).as("Patroni's ttl / 2").isEqualTo(Duration.ofSeconds(10));
        assertThat(consul.sessionSummary(c.member("node1").orElseThrow().session())).as("Regent's, the same")
                .isEqualTo("it-node1/delete/1ms");
        // Patroni 3.0.2 tags its primary master + primary; Regent tags its replicas as Patroni does
        await("the services of all three nodes, tagged by role", v -> "[\"master\",\"primary\"]".equals(tags("node0"))
                && "[\"replica\"]".equals(tags("node1")) && "[\"replica\"]".equals(tags("node2"))
                && "passing".equals(consul.checkStatus("service:it/node0"))
                && "passing".equals(consul.checkStatus("service:it/node1")));
    }

    private String tags(String member) {
        var s = consul.service("it/" + member);
        return s == null ? null : s.get("Tags").toString();
    }
}
