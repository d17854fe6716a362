package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;

/** {@link MixedStoreScenarios} on etcd v3 (Patroni's {@code etcd3:} section), one real etcd 3.4. */
class MixedClusterTest extends MixedStoreScenarios {
    @Override
    protected LocalCluster create() throws Exception {
        return LocalCluster.create(3, 20, 2, 4);
    }

    @Override
    protected String storeName() {
        return "etcd3";
    }

    @Override
    protected PatroniCtl patronictl() {
        return PatroniCtl.forEtcd3(cluster.dir(), "it", "/service", cluster.etcd().hostPort());
    }

    @Override
    protected String regentctlDcs() {
        return "etcd3://" + cluster.etcd().hostPort();
    }

    @Override
    protected void assertPatroniLeaderLock(ClusterView c) {
        assertThat(c.leader().session()).as("Patroni's leader key is bound to a lease").isNotNull();
    }
}
