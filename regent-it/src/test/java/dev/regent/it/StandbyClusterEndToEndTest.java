package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.PatroniDcs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Standby clusters end to end (issue 13), on real etcd and PostgreSQL 15: one cluster pair in one etcd. Cluster
 * {@code it} is node0 alone, with the permanent physical slot {@code pm_1}; cluster {@code it1} (node1, node2) is a
 * standby cluster of it, configured by {@code bootstrap.dcs.standby_cluster} as Patroni's standby_cluster.feature
 * does ({@code host}, {@code port}, {@code primary_slot_name: pm_1}, {@code create_replica_methods: [backup_restore,
 * basebackup]}, and a {@code synchronous_mode: true} that must be ignored).
 * <ol>
 * <li>"check replication of a single table in a standby cluster": node1 bootstraps it1 as its standby leader by
 * cloning node0 (the missing backup_restore command fails, basebackup follows; never initdb), streams from node0
 * through pm_1; {@code /standby_leader} 200, {@code /primary} 503, role {@code standby_leader} in {@code GET /patroni},
 * the member key (read by Debian's patronictl 3.0.2 too) and {@code regentctl list}; node2 joins it1 streaming from
 * node1; a table created on node0 reaches both; no {@code /sync} key in it1.</li>
 * <li>"check switchover": a switchover inside it1 makes node2 the standby leader, streaming from node0, node1
 * cascading from node2; its callback sees {@code on_role_change standby_leader it1}.</li>
 * <li>"demote cluster", first half: {@code PATCH /config} replaces it1's host, port and slot by a
 * {@code restore_command} on node0's WAL archive: the standby leader reports {@code in archive recovery} and still
 * receives new tables, the cascading replica restores from the archive too; then streaming again.</li>
 * <li>{@code regentctl demote-cluster it --host --port} (node0 demoted cleanly, keeping its lock, to follow it1's
 * standby leader: Patroni's docs demote the source before promoting the target, which needs no rewind), then
 * {@code regentctl promote-cluster it1}: node2 becomes the primary; a table created on it reaches node1 and node0.</li>
 * <li>The other way round: {@code promote-cluster it} first, a write on node2, then {@code demote-cluster it1}: node2,
 * past node0's fork point, is rewound from node0 and streams from it; node1, cascading from it, too.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyClusterEndToEndTest {
    private static final int UP = 90;
    private static FeatureSteps steps;
    private static LocalCluster cluster;
    private static PatroniDcs standbyDcs;
    private static Path archive;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(3, 20, 2, 4);
        cluster = steps.cluster();
        int remotePort = cluster.layout().pgPort(0);
        archive = Files.createDirectories(cluster.dir().resolve("wal_archive"));
        Files.setPosixFilePermissions(archive, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path y0 = cluster.dir().resolve("node0.yml");
        Files.writeString(y0, Files.readString(y0).replace("    maximum_lag_on_failover: 1048576\n",
                "    maximum_lag_on_failover: 1048576\n    slots:\n      pm_1:\n        type: physical\n")
                .replace("  parameters:\n    unix_socket_directories: '/tmp'\n", "  parameters:\n"
                        + "    unix_socket_directories: '/tmp'\n    archive_mode: 'on'\n"
                        + "    archive_command: 'cp %p " + archive + "/%f'\n"));
        for (int i = 1; i <= 2; i++) {
            Path y = cluster.dir().resolve("node" + i + ".yml");
            String yaml = Files.readString(y);
            assertThat(yaml).contains("scope: it\n");
            Files.writeString(y, yaml.replace("scope: it\n", "scope: it1\n").replace(
                    "    maximum_lag_on_failover: 1048576\n", String.join("\n",
                            "    maximum_lag_on_failover: 1048576",
                            "    synchronous_mode: true",
                            "    standby_cluster:",
                            "      host: 127.0.0.1",
                            "      port: " + remotePort,
                            "      primary_slot_name: pm_1",
                            "      create_replica_methods:",
                            "      - backup_restore",
                            "      - basebackup",
                            "")));
        }
        standbyDcs = new PatroniDcs(DcsStores.open("etcd3", Map.of("hosts", cluster.etcd().hostPort()),
                Duration.ofSeconds(30), Duration.ofSeconds(10)), "/service", "it1", "it1-observer");
    }

    @AfterAll
    static void stop() {
        if (standbyDcs != null) standbyDcs.close();
        if (steps != null) steps.close();
    }

    @Test
    @Order(1)
    void theStandbyLeaderClonesTheRemotePrimaryAndReplicatesFromItThroughItsSlot() throws Exception {
        steps.start(0);
        steps.isLeader(0, UP);
        steps.awaitTrue("slot pm_1 on node0", Duration.ofSeconds(30), () -> "1".equals(steps.query(0,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pm_1'")));
        steps.addTable(0, "foo");

        steps.start(1);
        ClusterView it1 = awaitStandby("node1 leads it1 as standby leader", c -> c.isLeader("node1")
                && role(c, "node1").equals("standby_leader") && state(c, "node1").equals("running"));
        assertThat(it1.initialize()).as("it1's initialize holds the remote cluster's system identifier")
                .isEqualTo(cluster.cluster().initialize());
        steps.tablePresent(1, "foo", 20);
        steps.isReplicatingFrom(1, 0, 20);
        steps.awaitTrue("node1 streams through pm_1", Duration.ofSeconds(20), () -> "t".equals(steps.query(0,
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'pm_1'")));
        steps.replicationWorks(0, 1, 20);
        assertThat(steps.query(1, "SELECT pg_is_in_recovery()")).isEqualTo("t");

        assertThat(steps.rest(1, "GET", "/primary", null).statusCode()).isEqualTo(503);
        HttpResponse<String> standbyLeader = steps.rest(1, "GET", "/standby_leader", null);
        assertThat(standbyLeader.statusCode()).isEqualTo(200);
        assertThat(FeatureSteps.json(standbyLeader).get("role").asText()).isEqualTo("standby_leader");
        assertThat(steps.rest(1, "GET", "/standby-leader", null).statusCode()).isEqualTo(200);
        assertThat(steps.rest(1, "GET", "/leader", null).statusCode()).isEqualTo(200);
        steps.awaitTrue("GET /patroni on node1 says streaming", Duration.ofSeconds(20), () -> "streaming".equals(
                FeatureSteps.json(steps.rest(1, "GET", "/patroni", null)).path("replication_state").asText()));
        assertThat(steps.rest(1, "GET", "/metrics", null).body()).contains("patroni_standby_leader{scope=\"it1\"")
                .containsPattern("patroni_standby_leader\\{scope=\"it1\"[^}]*\\} 1")
                .containsPattern("patroni_primary\\{scope=\"it1\"[^}]*\\} 0");
        JsonNode members = FeatureSteps.json(steps.rest(1, "GET", "/cluster", null)).get("members");
        assertThat(members.get(0).get("role").asText()).isEqualTo("standby_leader");

        steps.callbackLogHas(1, "on_start standby_leader it1", 10);
        assertThat(Files.readString(cluster.dir().resolve("node1").resolve("regent.log")))
                .contains("trying to bootstrap a new standby leader")
                .doesNotContain("running initdb").doesNotContain("promoted self to leader");
        // synchronous_mode is ignored in a standby cluster: no /sync key, no synchronous_standby_names
        assertThat(standbyDcs.load().sync()).isNull();
        assertThat(steps.query(1, "SHOW synchronous_standby_names")).isEmpty();

        FeatureSteps.Result list = steps.ctl("list", "it1");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out()).contains("Standby Leader").contains("node1");
        PatroniCtl.Result patroni = PatroniCtl.forEtcd3(cluster.dir(), "it1", "/service", cluster.etcd().hostPort())
                .run("list", "it1").assertOk("patronictl list it1");
        assertThat(patroni.output()).as("Debian's patronictl reads the standby leader's member key")
                .contains("Standby Leader").contains("node1");
    }

    @Test
    @Order(2)
    void aReplicaOfTheStandbyClusterCascadesFromTheStandbyLeader() throws Exception {
        steps.start(2);
        steps.isReplicatingFrom(2, 1, UP);
        steps.replicationWorks(0, 2, 30);
        awaitStandby("node2 runs as replica of it1", c -> role(c, "node2").equals("replica")
                && state(c, "node2").equals("running"));
        assertThat(steps.rest(2, "GET", "/replica", null).statusCode()).isEqualTo(200);
        assertThat(steps.rest(2, "GET", "/standby_leader", null).statusCode()).isEqualTo(503);
        // the standby leader keeps a slot for its replica, as a primary does
        steps.awaitTrue("slot node2 on node1", Duration.ofSeconds(20), () -> "1".equals(steps.query(1,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'node2'")));
    }

    @Test
    @Order(3)
    void aSwitchoverInsideTheStandbyClusterMovesTheStandbyLeader() throws Exception {
        FeatureSteps.Result r = steps.ctl("switchover", "it1", "--candidate", "node2", "--force");
        assertThat(r.code()).as(r.toString()).isZero();
        awaitStandby("node2 leads it1 as standby leader", c -> c.isLeader("node2")
                && role(c, "node2").equals("standby_leader"));
        steps.isReplicatingFrom(2, 0, 30);
        steps.isReplicatingFrom(1, 2, 30);
        steps.replicationWorks(0, 1, 30);
        assertThat(steps.query(2, "SELECT pg_is_in_recovery()")).isEqualTo("t");
        steps.callbackLogHas(2, "on_role_change standby_leader it1", 10);
        assertThat(steps.rest(2, "GET", "/standby_leader", null).statusCode()).isEqualTo(200);
        assertThat(steps.rest(1, "GET", "/standby_leader", null).statusCode()).isEqualTo(503);
    }

    @Test
    @Order(4)
    void theStandbyClusterSwitchesToArchiveRecoveryAndBack() throws Exception {
        // standby_cluster.feature "demote cluster", first half: host, port and slot replaced by a restore_command
        String restore = "cp " + archive + "/%f %p";
        Map<String, Object> archiveOnly = new java.util.HashMap<>();
        archiveOnly.put("restore_command", restore);
        archiveOnly.put("host", null);
        archiveOnly.put("port", null);
        archiveOnly.put("primary_slot_name", null);
        HttpResponse<String> r = steps.rest(2, "PATCH", "/config",
                FeatureSteps.JSON.writeValueAsString(Map.of("standby_cluster", archiveOnly)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        steps.awaitTrue("GET /patroni on node2 says in archive recovery", Duration.ofSeconds(30), () ->
                "in archive recovery".equals(FeatureSteps.json(steps.rest(2, "GET", "/patroni", null))
                        .path("replication_state").asText()));
        steps.replicationWorks(0, 2, 30);  // the new table's segment is switched, archived and restored
        assertThat(steps.query(2, "SHOW restore_command")).isEqualTo(restore);
        assertThat(steps.query(2, "SHOW primary_conninfo")).isEmpty();
        assertThat(steps.query(1, "SHOW restore_command")).as("the cascading replica restores from the archive too")
                .isEqualTo(restore);
        assertThat(role(standbyDcs.load(), "node2")).isEqualTo("standby_leader");

        Map<String, Object> streaming = Map.of("host", "127.0.0.1", "port", cluster.layout().pgPort(0),
                "primary_slot_name", "pm_1", "restore_command", restore);
        r = steps.rest(2, "PATCH", "/config", FeatureSteps.JSON.writeValueAsString(Map.of("standby_cluster",
                streaming)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        steps.isReplicatingFrom(2, 0, 30);
    }

    @Test
    @Order(5)
    void theOriginalIsDemotedToFollowTheStandbyClusterThenTheStandbyClusterIsPromoted() throws Exception {
        int port2 = cluster.layout().pgPort(2);
        FeatureSteps.Result demote = steps.ctl("demote-cluster", "it", "--host", "127.0.0.1", "--port",
                Integer.toString(port2), "--force");
        assertThat(demote.code()).as(demote.toString()).isZero();
        assertThat(demote.out()).contains("Cluster it successfully demoted");
        assertThat(role(cluster.cluster(), "node0")).isEqualTo("standby_leader");
        assertThat(cluster.cluster().isLeader("node0")).as("node0 kept its lock").isTrue();
        steps.roleIs(0, "replica", 30);
        steps.isReplicatingFrom(0, 2, 30);

        FeatureSteps.Result again = steps.ctl("demote-cluster", "it", "--host", "127.0.0.1", "--force");
        assertThat(again.code()).isOne();
        assertThat(again.output()).contains("Cluster is already in the required state");

        FeatureSteps.Result promote = steps.ctl("promote-cluster", "it1", "--force");
        assertThat(promote.code()).as(promote.toString()).isZero();
        assertThat(promote.out()).contains("Cluster it1 successfully promoted");
        steps.roleIs(2, "primary", 30);
        assertThat(role(standbyDcs.load(), "node2")).isEqualTo("primary");
        steps.replicationWorks(2, 1, 30);
        steps.replicationWorks(2, 0, 30);
        assertThat(steps.rest(2, "GET", "/primary", null).statusCode()).isEqualTo(200);
        assertThat(steps.rest(0, "GET", "/standby_leader", null).statusCode()).isEqualTo(200);
    }

    /**
     * The other way round, promote first: it (node0) is promoted while it1's primary node2 still takes writes, then
     * it1 is demoted to follow it. node2's WAL (a table, and at least its shutdown checkpoint) lies past the point
     * where node0's new timeline forked off: as the standby leader it reads node0's timeline history, finds its WAL
     * diverged and is rewound from node0 (Patroni's rewind against its remote member), then streams from it; the table
     * written after the fork is gone. node1, cascading from node2, had the same WAL: once node2 publishes node0's
     * timeline, node1 is rewound from node0 too and cascades from node2 again.
     */
    @Test
    @Order(6)
    void promotedFirstTheDemotedFormerPrimaryIsRewoundFromTheRemotePrimary() throws Exception {
        FeatureSteps.Result promote = steps.ctl("promote-cluster", "it", "--force");
        assertThat(promote.code()).as(promote.toString()).isZero();
        steps.roleIs(0, "primary", 30);
        steps.addTable(2, "written_after_the_fork");

        int port0 = cluster.layout().pgPort(0);
        FeatureSteps.Result demote = steps.ctl("demote-cluster", "it1", "--host", "127.0.0.1", "--port",
                Integer.toString(port0), "--force");
        assertThat(demote.code()).as(demote.toString()).isZero();
        assertThat(standbyDcs.load().isLeader("node2")).as("node2 kept its lock").isTrue();
        steps.isReplicatingFrom(2, 0, 90);
        steps.logHas(2, "INFO", List.of("running pg_rewind from the remote primary"), 5);
        steps.replicationWorks(0, 2, 30);
        assertThat(steps.succeeds(2, "SELECT 1 FROM public.written_after_the_fork"))
                .as("rewound to the remote primary's history").isFalse();
        // node1, which cascaded from node2 and received the same WAL, is rewound from node0 as well (Patroni checks
        // every member of a standby cluster against the remote member), then cascades from node2 again
        steps.isReplicatingFrom(1, 2, 90);
        steps.replicationWorks(0, 1, 30);
        assertThat(steps.succeeds(1, "SELECT 1 FROM public.written_after_the_fork")).isFalse();
        assertThat(role(standbyDcs.load(), "node2")).isEqualTo("standby_leader");
    }

    private static ClusterView awaitStandby(String what, Predicate<ClusterView> condition) throws Exception {
        ClusterView[] last = {null};
        steps.awaitTrue(what, Duration.ofSeconds(UP), () -> {
            last[0] = standbyDcs.load();
            return condition.test(last[0]);
        });
        return last[0];
    }

    private static String role(ClusterView c, String member) {
        return c.member(member).map(m -> String.valueOf(m.data().role())).orElse("");
    }

    private static String state(ClusterView c, String member) {
        return c.member(member).map(Member::data).map(d -> String.valueOf(d.state())).orElse("");
    }

}
