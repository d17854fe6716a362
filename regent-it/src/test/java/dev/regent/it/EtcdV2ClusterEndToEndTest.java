package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link StoreClusterScenarios} on etcd's v2 API (Patroni's {@code etcd:} section): one real etcd 3.4 started with
 * {@code --enable-v2}. Bootstrap checks TTL leader and member keys written as Patroni's etcd module writes them, and
 * regentctl with {@code etcd://} and, as patronictl, a bare {@code host:port}; then a daemon pointed at an etcd
 * without the v2 API stops with a clear error; and Debian's vip-manager 1.0.2, which reads only etcd's v2 API (or
 * Consul), moves a virtual IP to the leader's network namespace and follows a switchover.
 */
class EtcdV2ClusterEndToEndTest extends StoreClusterScenarios {
    @Override
    protected LocalCluster start() throws Exception {
        return LocalCluster.startOnEtcdV2(3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @Override
    protected void stopStore() throws Exception {
        cluster.etcd().stop();
    }

    @Override
    protected void restartStore() throws Exception {
        cluster.etcd().restart();
    }

    @Override
    protected List<String> ctlDcsArguments() {
        return List.of("etcd://" + cluster.etcd().hostPort(), cluster.etcd().hostPort());
    }

    @Override
    protected void assertStoreLayout(ClusterView c) throws Exception {
        assertThat(cluster.onEtcdV2()).isTrue();
        assertThat(cluster.nodeYaml(0)).contains("etcd:\n  hosts:").doesNotContain("etcd3:");
        assertThat(c.leader().session()).as("the leader key has a TTL").isNotNull();
        assertThat(c.members()).allSatisfy(m -> assertThat(m.session()).as(m.name() + " has a TTL").isNotNull());
        List<KeyValue> keys = cluster.dcs().store().getPrefix("/service/it/");
        assertThat(keys).filteredOn(kv -> kv.key().endsWith("/config") || kv.key().endsWith("/initialize"))
                .hasSize(2).allSatisfy(kv -> assertThat(kv.session()).as(kv.key() + " is persistent").isNull());
        // the keys are v2 keys, as Patroni's etcd module writes them
        String raw = get(cluster.etcd().endpoint() + "/v2/keys/service/it/leader");
        assertThat(raw).contains("\"value\":\"" + c.leader().name() + "\"").contains("\"ttl\":");
    }

    private static String get(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    @Order(10)
    void aDaemonOnAnEtcdWithoutTheV2ApiStopsWithAClearError() throws Exception {
        try (EtcdProcess v3only = EtcdProcess.start()) {  // etcd 3.4 without --enable-v2 answers 404, as 3.6 does
            Path cfg = cluster.dir().resolve("no-v2.yml");
            Files.writeString(cfg, cluster.layout().yaml(2, "etcd:\n  host: " + v3only.hostPort() + "\n")
                    .replace(cluster.dir().resolve("node2").toString(), cluster.dir().resolve("no-v2").toString()));
            RegentNode node = new RegentNode("node2", cfg, cluster.dir().resolve("no-v2.log"));
            node.start();
            assertThat(node.awaitExit(Duration.ofSeconds(60))).as("the daemon exits").isTrue();
            assertThat(node.exitCode()).isEqualTo(1);
            assertThat(node.tail(50)).contains("does not serve the v2 API (HTTP 404 on /v2/keys)")
                    .contains("etcd 3.6 removed it").contains("--enable-v2").contains("'etcd3:' section");
        }
    }

    /** {@link VipManagerScenario}: vip-manager reads the leader key over etcd's v2 API. Root only. */
    @Test
    @Order(11)
    void vipManagerMovesTheVirtualIpToTheLeaderAcrossASwitchover() throws Exception {
        VipManagerScenario.run(cluster, "etcd", cluster.etcd().hostPort());
    }
}
