package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;

/**
 * {@link MixedStoreScenarios} on ZooKeeper: one real ZooKeeper server (run in this JVM), Patroni 3.0.2 with
 * python3-kazoo and its {@code zookeeper:} section.
 */
class ZooKeeperMixedClusterTest extends MixedStoreScenarios {
    private ItZooKeeper zooKeeper;

    @Override
    protected LocalCluster create() throws Exception {
        zooKeeper = ItZooKeeper.start();
        return LocalCluster.createOnZooKeeper(zooKeeper.hostPort(), 3, 20, 2, 4);
    }

    @Override
    protected void closeStore() throws Exception {
        if (zooKeeper != null) zooKeeper.close();
    }

    @Override
    protected String storeName() {
        return "zookeeper";
    }

    @Override
    protected PatroniCtl patronictl() {
        return PatroniCtl.forZooKeeper(cluster.dir(), "it", "/service", zooKeeper.hostPort());
    }

    @Override
    protected String regentctlDcs() {
        return "zookeeper://" + zooKeeper.hostPort();
    }

    @Override
    protected void assertPatroniLeaderLock(ClusterView c) {
        assertThat(c.leader().session()).as("Patroni's leader znode is ephemeral on kazoo's session")
                .isNotNull().isEqualTo(c.member("node0").orElseThrow().session());
    }
}
