package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code use_proxies} and {@code proxy} against a real 3-member etcd cluster: without proxies the members are
 * discovered from {@code /v3/cluster/member/list} and the store keeps working when the configured member stops; with
 * proxies (or a {@code proxy}) only the configured endpoint is used.
 */
class EtcdDiscoveryTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    private EtcdCluster cluster;

    @AfterEach
    void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void membersAreDiscoveredAndTheStoreFailsOverWhenTheConfiguredMemberStops() throws Exception {
        cluster = EtcdCluster.start(3, null);
        EtcdKeyValueStore store = EtcdKeyValueStore.fromConfig(Map.of("host", cluster.hostPort(0)), TTL,
                Duration.ofSeconds(5));
        store.put("/disc/config", "{}", false);
        assertThat(store.create("/disc/leader", "pg0", true)).isTrue();
        assertThat(store.endpoints()).extracting(Object::toString)
                .containsExactlyInAnyOrder(cluster.clientUrl(0), cluster.clientUrl(1), cluster.clientUrl(2));

        cluster.stop(0);
        long t0 = System.nanoTime();
        assertThat(store.getPrefix("/disc/")).extracting(KeyValue::value).containsExactlyInAnyOrder("{}", "pg0");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(store.keepAlive()).isEqualTo(store.sessionId());
        assertThat(store.putIfValueOrAbsent("/disc/leader", "pg0", "pg0", true)).isTrue();
        assertThat(store.create("/disc/members/pg1", "{}", true)).isTrue();
        assertThat(store.getPrefix("/disc/")).hasSize(3);
        // a fresh store configured with the stopped member and a live one finds the cluster through the live one
        EtcdKeyValueStore late = EtcdKeyValueStore.fromConfig(Map.of("hosts", List.of(cluster.hostPort(0),
                cluster.hostPort(2))), TTL, Duration.ofSeconds(5));
        assertThat(late.getPrefix("/disc/")).hasSize(3);
        assertThat(late.endpoints()).hasSize(3);
    }

    @Test
    void useProxiesKeepsToTheConfiguredHosts() throws Exception {
        cluster = EtcdCluster.start(3, null);
        EtcdKeyValueStore proxied = EtcdKeyValueStore.fromConfig(Map.of("host", cluster.hostPort(1),
                "use_proxies", true), TTL, Duration.ofSeconds(2));
        proxied.put("/proxies/config", "{}", false);
        assertThat(proxied.endpoints()).extracting(Object::toString).containsExactly(cluster.clientUrl(1));
        // Patroni's proxy: the one URL used (use_proxies implied), before url, hosts and host
        EtcdKeyValueStore proxy = EtcdKeyValueStore.fromConfig(Map.of("proxy", cluster.clientUrl(2),
                "hosts", cluster.hostPort(0)), TTL, Duration.ofSeconds(2));
        assertThat(proxy.getPrefix("/proxies/")).extracting(KeyValue::value).containsExactly("{}");
        assertThat(proxy.endpoints()).extracting(Object::toString).containsExactly(cluster.clientUrl(2));

        cluster.stop(1);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> proxied.getPrefix("/proxies/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT2S")
                .hasMessageContaining(cluster.clientUrl(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(proxied.endpoints()).extracting(Object::toString).containsExactly(cluster.clientUrl(1));
        assertThat(proxy.getPrefix("/proxies/")).hasSize(1);
    }
}
