package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.dcs.KeyValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link StoreClusterScenarios} on ZooKeeper: one real ZooKeeper server (ZooKeeper's own server code, run in this
 * test's JVM on a free port). Bootstrap checks ephemeral leader and member znodes owned by one session per node; then
 * the leader's session expires while its daemon is frozen (failover, then the old leader rejoins).
 */
class ZooKeeperClusterEndToEndTest extends StoreClusterScenarios {
    private ItZooKeeper zooKeeper;

    @Override
    protected LocalCluster start() throws Exception {
        zooKeeper = ItZooKeeper.start();
        return LocalCluster.startOnZooKeeper(zooKeeper.hostPort(), 3, TTL, LOOP_WAIT, RETRY_TIMEOUT);
    }

    @Override
    protected void stopStore() throws Exception {
        zooKeeper.stop();
    }

    @Override
    protected void restartStore() throws Exception {
        zooKeeper.restart();
    }

    @Override
    protected void closeStore() throws Exception {
        if (zooKeeper != null) zooKeeper.close();
    }

    @Override
    protected List<String> ctlDcsArguments() {
        return List.of("zookeeper://" + zooKeeper.hostPort());  // as patronictl -d zookeeper://...
    }

    @Override
    protected void assertStoreLayout(ClusterView c) throws Exception {
        assertThat(cluster.etcd()).isNull();
        String leader = c.leader().name();
        assertThat(c.leader().session()).as("the leader znode is ephemeral, owned by the leader's session")
                .isNotNull().isEqualTo(c.member(leader).orElseThrow().session());
        assertThat(c.members()).allSatisfy(m -> assertThat(m.session()).isNotNull());
        assertThat(c.members().stream().map(m -> m.session()).distinct()).as("one session per node").hasSize(3);
        List<KeyValue> keys = cluster.dcs().store().getPrefix("/service/it/");
        assertThat(keys).filteredOn(kv -> kv.key().endsWith("/config") || kv.key().endsWith("/initialize"))
                .hasSize(2).allSatisfy(kv -> assertThat(kv.session()).as(kv.key() + " is persistent").isNull());
    }

    @Test
    @Order(10)
    void expiryOfTheLeadersSessionFailsOverAndTheOldLeaderRejoins() throws Exception {
        String oldLeader = cluster.awaitHealthy(HEALTHY).leader().name();
        int oi = cluster.index(oldLeader);
        long pid = cluster.node(oi).pid();
        signal("STOP", pid);  // the daemon freezes: no pings, so the server expires its session after ttl
        String newLeader;
        try {
            newLeader = cluster.await("a new leader after the frozen leader's session expired", Duration.ofSeconds(90),
                    c -> c.leader() != null && !c.leader().name().equals(oldLeader)).leader().name();
        } finally {
            signal("CONT", pid);
        }
        insertOnPrimary(cluster.index(newLeader), 4);
        ClusterView after = cluster.awaitHealthy(HEALTHY);
        assertThat(after.leader().name()).isEqualTo(newLeader);
        assertThat(queryOrNull(cluster.jdbcUrl(oi), "SELECT pg_is_in_recovery()")).as("old leader follows")
                .isEqualTo("t");
        awaitRows(oi, 4);
    }

    private static void signal(String sig, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor()).isZero();
    }
}
