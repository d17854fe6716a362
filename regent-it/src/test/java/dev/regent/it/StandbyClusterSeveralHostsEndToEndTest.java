package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.PatroniDcs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A standby cluster whose {@code standby_cluster.host} lists several hosts (issue 13; it was refused as unsupported
 * before), on real etcd and PostgreSQL 15. Cluster {@code it}: node0 its primary, with the permanent slot {@code pm_1},
 * and node2 its replica, listening on 127.0.0.2 with node0's port number. Cluster {@code it1}: node1 alone, a standby
 * cluster with {@code host: 127.0.0.2,127.0.0.1}, node0's port and {@code primary_slot_name: pm_1}. So the first host
 * is the remote replica, which answers but is read-only: node1 clones (as Patroni's clone, from the first host that
 * answers), and its walreceiver, told {@code target_session_attrs=read-write} as Patroni tells a standby leader with
 * several hosts and a slot, skips the replica and streams from node0 through pm_1. pgpass has a line per host.
 */
class StandbyClusterSeveralHostsEndToEndTest {
    private static final int UP = 90;
    private static FeatureSteps steps;
    private static LocalCluster cluster;
    private static PatroniDcs standbyDcs;
    private static Path socketDir;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(3, 20, 2, 4);
        cluster = steps.cluster();
        int port0 = cluster.layout().pgPort(0);
        Path y0 = cluster.dir().resolve("node0.yml");
        Files.writeString(y0, Files.readString(y0).replace("    maximum_lag_on_failover: 1048576\n",
                "    maximum_lag_on_failover: 1048576\n    slots:\n      pm_1:\n        type: physical\n"));
        // node2 on 127.0.0.2 with node0's port: its unix socket must not be node0's /tmp/.s.PGSQL.<port>
        socketDir = Files.createTempDirectory(Path.of("/tmp"), "rgsock");
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path y2 = cluster.dir().resolve("node2.yml");
        String yaml2 = Files.readString(y2);
        int port2 = cluster.layout().pgPort(2);
        assertThat(yaml2).contains("  listen: 127.0.0.1:" + port2 + "\n", "  connect_address: 127.0.0.1:" + port2
                + "\n", "    unix_socket_directories: '/tmp'\n");
        Files.writeString(y2, yaml2.replace("  listen: 127.0.0.1:" + port2 + "\n", "  listen: 127.0.0.2:" + port0 + "\n")
                .replace("  connect_address: 127.0.0.1:" + port2 + "\n", "  connect_address: 127.0.0.2:" + port0 + "\n")
                .replace("    unix_socket_directories: '/tmp'\n", "    unix_socket_directories: '" + socketDir + "'\n"));
        Path y1 = cluster.dir().resolve("node1.yml");
        String yaml1 = Files.readString(y1);
        assertThat(yaml1).contains("scope: it\n");
        Files.writeString(y1, yaml1.replace("scope: it\n", "scope: it1\n").replace(
                "    maximum_lag_on_failover: 1048576\n", String.join("\n",
                        "    maximum_lag_on_failover: 1048576",
                        "    standby_cluster:",
                        "      host: 127.0.0.2,127.0.0.1",
                        "      port: " + port0,
                        "      primary_slot_name: pm_1",
                        "")));
        standbyDcs = new PatroniDcs(DcsStores.open("etcd3", Map.of("hosts", cluster.etcd().hostPort()),
                Duration.ofSeconds(30), Duration.ofSeconds(10)), "/service", "it1", "it1-observer");
    }

    @AfterAll
    static void stop() throws Exception {
        if (standbyDcs != null) standbyDcs.close();
        if (steps != null) steps.close();
        if (socketDir != null) {
            try (var files = Files.list(socketDir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(socketDir);
        }
    }

    @Test
    void theStandbyLeaderStreamsFromTheRemotePrimaryNotFromTheRemoteReplicaListedFirst() throws Exception {
        int port0 = cluster.layout().pgPort(0);
        steps.start(0);
        steps.isLeader(0, UP);
        steps.awaitTrue("slot pm_1 on node0", Duration.ofSeconds(30), () -> "1".equals(steps.query(0,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pm_1'")));
        cluster.node(2).start(); // FeatureSteps' SQL checks reach 127.0.0.1 only: node2 is seen from node0
        steps.isReplicatingFrom(2, 0, UP);
        steps.addTable(0, "foo");

        steps.start(1);
        steps.awaitTrue("node1 leads it1 as standby leader", Duration.ofSeconds(UP), () -> {
            ClusterView c = standbyDcs.load();
            return c.isLeader("node1") && c.member("node1").map(Member::data)
                    .map(d -> "standby_leader".equals(String.valueOf(d.role()))
                            && "running".equals(String.valueOf(d.state()))).orElse(false);
        });
        steps.tablePresent(1, "foo", 30);
        steps.isReplicatingFrom(1, 0, 30);
        steps.awaitTrue("node1 streams through pm_1 on node0", Duration.ofSeconds(30), () -> "t".equals(
                steps.query(0, "SELECT active FROM pg_replication_slots WHERE slot_name = 'pm_1'")));
        steps.replicationWorks(0, 1, 30);

        String conninfo = steps.query(1, "SHOW primary_conninfo");
        assertThat(conninfo).contains("host=127.0.0.2,127.0.0.1 port=" + port0 + "," + port0 + " ")
                .contains(" target_session_attrs=read-write");
        assertThat(steps.query(1, "SELECT sender_host FROM pg_stat_wal_receiver")).as("the remote primary")
                .isEqualTo("127.0.0.1");
        assertThat(steps.query(1, "SHOW primary_slot_name")).isEqualTo("pm_1");
        assertThat(Files.readString(cluster.dir().resolve("node1").resolve("pgpass")))
                .contains("127.0.0.2:" + port0 + ":*:replicator:regent-replicator\n")
                .contains("127.0.0.1:" + port0 + ":*:replicator:regent-replicator\n");
        assertThat(Files.readString(cluster.dir().resolve("node1").resolve("regent.log")))
                .contains("clone from remote member postgres://127.0.0.2:" + port0 + ",127.0.0.1:" + port0
                        + "/postgres")
                .doesNotContain("not supported by Regent").doesNotContain("running initdb");
        assertThat(steps.query(1, "SELECT pg_is_in_recovery()")).isEqualTo("t");
    }
}
