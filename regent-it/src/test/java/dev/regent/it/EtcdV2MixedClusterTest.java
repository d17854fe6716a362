package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;

/**
 * {@link MixedStoreScenarios} on etcd's v2 API: one real etcd 3.4 ({@code --enable-v2}), Patroni 3.0.2 with
 * python3-etcd and its {@code etcd:} section; regentctl reads it with a bare {@code -d host:port}, patronictl's
 * default (etcd v2).
 */
class EtcdV2MixedClusterTest extends MixedStoreScenarios {
    @Override
    protected LocalCluster create() throws Exception {
        return LocalCluster.createOnEtcdV2(3, 20, 2, 4);
    }

    @Override
    protected String storeName() {
        return "etcd2";
    }

    @Override
    protected PatroniCtl patronictl() {
        return PatroniCtl.forEtcdV2(cluster.dir(), "it", "/service", cluster.etcd().hostPort());
    }

    @Override
    protected String regentctlDcs() {
        return cluster.etcd().hostPort();
    }

    @Override
    protected void assertPatroniLeaderLock(ClusterView c) {
        assertThat(c.leader().session()).as("Patroni's leader key has a TTL").isNotNull();
    }
}
