package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

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

    /**
     * Issue 14 interop (etcd v3 only, to keep the suite short): a permanent physical slot declared in {@code /config}
     * is created by whichever side leads and kept on the Regent replicas. Patroni 3.0.2 publishes only logical slot
     * positions in {@code /status.slots} (and keeps no permanent physical slots on its replicas): under a Patroni
     * leader the Regent copies exist but stay where they were created; under a Regent leader the position is published
     * and the other Regent node advances its copy to it.
     */
    @Test
    @Order(7)
    void permanentPhysicalSlotAcrossImplementations() throws Exception {
        ClusterView v = await("a healthy mixed cluster", c -> c.leader() != null && InteropSupport.healthy(c, 3));
        String leaderName = v.leader().name();
        int leader = cluster.index(leaderName);
        HttpResponse<String> r = cluster.rest(leader, "PATCH", "/config", "{\"slots\": {\"mixed_keep\": {\"type\": "
                + "\"physical\"}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String sql = "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'mixed_keep'";
        java.util.List<Integer> regents = java.util.stream.IntStream.range(1, 3).boxed().toList();
        InteropSupport.awaitTrue("mixed_keep on the leader " + leaderName + " and the Regent nodes",
                Duration.ofSeconds(40), () -> cluster.logs(), () -> ClusterEndToEndTest.queryOrNull(
                        cluster.jdbcUrl(leader), sql) != null && regents.stream().allMatch(i ->
                        ClusterEndToEndTest.queryOrNull(cluster.jdbcUrl(i), sql) != null));
        ClusterEndToEndTest.exec(cluster.jdbcUrl(leader), "CREATE TABLE IF NOT EXISTS mixed_slot(v int);"
                + " INSERT INTO mixed_slot SELECT generate_series(1, 1000)");
        ClusterEndToEndTest.exec(cluster.jdbcUrl(leader),
                "SELECT pg_replication_slot_advance('mixed_keep', pg_current_wal_lsn())");
        String at = ClusterEndToEndTest.queryOrNull(cluster.jdbcUrl(leader), sql);
        if (leaderName.equals("node0")) {
            Thread.sleep(3 * 2000);  // three loop_waits: the Patroni leader's status must still leave it out
            assertThat(cluster.cluster().status().slots()).as("Patroni 3.0.2 publishes no physical slot")
                    .doesNotContainKey("mixed_keep");
            assertThat(regents).allMatch(i -> ClusterEndToEndTest.queryOrNull(cluster.jdbcUrl(i), sql) != null);
        } else {
            InteropSupport.awaitTrue("mixed_keep published and advanced to " + at + " on the other Regent node",
                    Duration.ofSeconds(40), () -> cluster.logs(), () -> regents.stream().allMatch(i -> at.equals(
                            ClusterEndToEndTest.queryOrNull(cluster.jdbcUrl(i), sql))));
        }
    }

    /**
     * Issue 17: Regent's fast failover profile is refused while a Patroni member is in the cluster. The Regent member
     * keys carry {@code regent_version}, Patroni 3.0.2's does not; with {@code regent.fast_failover} in
     * {@code /config} both Regent nodes name the Patroni member in their warning. The ttl is left alone (Patroni 3.0.2
     * has no minimum and would run whatever short ttl it read), and the key is removed again afterwards.
     */
    @Test
    @Order(8)
    void fastFailoverProfileIsRefusedWithAPatroniMember() throws Exception {
        ClusterView v = await("a healthy mixed cluster", c -> c.leader() != null && InteropSupport.healthy(c, 3));
        assertThat(v.member("node0").orElseThrow().data().extra()).doesNotContainKey("regent_version");
        assertThat(v.member("node1").orElseThrow().data().extra()).containsKey("regent_version");
        HttpResponse<String> r = cluster.rest(1, "PATCH", "/config", "{\"regent\": {\"fast_failover\": true}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            String warning = "regent.fast_failover: the fast failover profile is not applied while Patroni members"
                    + " are in the cluster (node0)";
            InteropSupport.awaitTrue("both Regent nodes refuse the fast failover profile", Duration.ofSeconds(30),
                    () -> cluster.logs(), () -> java.nio.file.Files.readString(cluster.node(1).log()).contains(warning)
                            && java.nio.file.Files.readString(cluster.node(2).log()).contains(warning));
            assertThat(java.nio.file.Files.readString(cluster.node(1).log()))
                    .doesNotContain("fast failover profile in force");
        } finally {
            HttpResponse<String> undo = cluster.rest(1, "PATCH", "/config", "{\"regent\": null}");
            assertThat(undo.statusCode()).as(undo.body()).isEqualTo(200);
        }
        assertThat(cluster.cluster().config().data()).doesNotContainKey("regent");
    }
}
