package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Patroni's {@code features/basic_replication.feature} ("basic replication", postgres-0..2 and a duplicate) on one
 * 3-node cluster, every scenario in Patroni's order, step by step ({@code postgres-N} is {@code nodeN}, REST 8008 + N
 * is node N): replication in synchronous mode (with a {@code replicatefrom} replica), the restart of a sync replica, a
 * stuck sync replica, multi sync, the basic failover in synchronous mode after the primary's manager stopped in pause,
 * the rejoin of the former primary through pg_rewind after a split-brain write, the refusal of a duplicate name, and
 * strict mode across a failover. The steps Patroni's development branch (after 4.1.4) added or changed in scenarios 1
 * and 8 are replayed as the released Patroni 4.x behaves, as Regent does: strict mode with no synchronous standby
 * sets {@code synchronous_standby_names} to {@code *} (not {@code __patroni_strict_sync_replica_placeholder__}), and
 * the sync standby promoted in strict mode publishes only itself in {@code /sync} (not the old primary) and waits for
 * any standby ({@code *}), warning "No standbys available!".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BasicReplicationFeatureTest {
    private static FeatureSteps steps;
    private static int newPrimary = -1;
    private static RegentNode duplicate;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(3, 30, 2, 4);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (duplicate != null) duplicate.kill9();
        if (steps != null) steps.close();
    }

    @Test
    @Order(1)
    void checkReplicationOfASingleTable() throws Exception {
        steps.start(0);
        steps.isLeader(0, 10);
        steps.nonEmptyKey("initialize", 15);
        steps.patchConfig(0, "{\"ttl\": 20, \"synchronous_mode\": true}");
        // Patroni's development branch checks the lone primary here: /sync with the leader, no standby named, and
        // strict mode's value (its placeholder name; '*' in released 4.x), then strict mode off again
        steps.syncKeyHas("leader", "node0", 20);
        steps.syncStandbyNamesIs(0, "_empty_str_", 2);
        steps.patchConfig(0, "{\"synchronous_mode_strict\": true}");
        steps.syncStandbyNamesIs(0, "*", 10);
        steps.patchConfig(0, "{\"synchronous_mode_strict\": false}");
        steps.syncStandbyNamesIs(0, "_empty_str_", 10);
        steps.start(1);
        steps.configureAndStart(2, "replicatefrom", "node0");
        steps.syncKeyHas("leader", "node0", 20);
        steps.addTable(0, "foo");
        steps.tablePresent(1, "foo", 20);
        steps.tablePresent(2, "foo", 20);
    }

    @Test
    @Order(2)
    void checkRestartOfSyncReplica() throws Exception {
        steps.shutDown(2);
        steps.syncKeyHas("sync_standby", "node1", 5);
        steps.start(2);
        steps.shutDown(1);
        steps.syncKeyHas("sync_standby", "node2", 10);
        steps.start(1);
        steps.keyHas("members/node1", "state", "running", 10);
        steps.statusIs(2, "/sync", 200, 3);
        steps.statusIs(1, "/async", 200, 3);
    }

    @Test
    @Order(3)
    void checkStuckSyncReplica() throws Exception {
        steps.patchConfig(0, "{\"pause\": true, \"maximum_lag_on_syncnode\": 15000000, \"postgresql\":"
                + " {\"parameters\": {\"synchronous_commit\": \"remote_apply\"}}}");
        steps.createTable(0);
        steps.tablePresent(1, "mytest", 2);
        steps.tablePresent(2, "mytest", 2);
        steps.pauseWalReplay(2);
        steps.loadData(0);
        steps.syncKeyHas("sync_standby", "node1", 15);
        steps.resumeWalReplay(2);
        steps.statusIs(1, "/sync", 200, 3);
        steps.statusIs(2, "/async", 200, 3);
        steps.patchConfig(0, "{\"pause\": null, \"maximum_lag_on_syncnode\": -1, \"postgresql\":"
                + " {\"parameters\": {\"synchronous_commit\": \"on\"}}}");
        steps.dropTable(0);
    }

    @Test
    @Order(4)
    void checkMultiSyncReplication() throws Exception {
        steps.patchConfig(0, "{\"synchronous_node_count\": 2}");
        steps.syncKeyHas("sync_standby", "node1,node2", 10);
        steps.statusIs(2, "/sync", 200, 3);
        steps.statusIs(1, "/sync", 200, 3);
        steps.patchConfig(0, "{\"synchronous_node_count\": 1}");
        steps.shutDown(1);
        steps.syncKeyHas("sync_standby", "node2", 10);
        steps.start(1);
        steps.keyHas("members/node1", "state", "running", 10);
        steps.statusIs(2, "/sync", 200, 3);
        steps.statusIs(1, "/async", 200, 3);
    }

    @Test
    @Order(5)
    void checkTheBasicFailoverInSynchronousMode() throws Exception {
        FeatureSteps.Result pause = steps.ctl("pause", "it");
        assertThat(pause.code()).as(pause.toString()).isZero();
        // Patroni sleeps 2 s so that node0 knows it is paused before it stops (and leaves postgres running)
        steps.awaitTrue("node0 reports pause", Duration.ofSeconds(10),
                () -> FeatureSteps.json(steps.rest(0, "GET", "/patroni", null)).path("pause").asBoolean(false));
        steps.shutDown(0);
        FeatureSteps.Result resume = steps.ctl("resume", "it");
        assertThat(resume.code()).as(resume.toString()).isZero();
        steps.roleIs(2, "primary", 24);
        newPrimary = 2;
        steps.responseContains(2, "/history", "recovery", 10);
        steps.callbackLogHas(2, "on_role_change primary it", 5);
        steps.patchConfig(2, "{\"synchronous_mode\": null, \"master_start_timeout\": 0}");
        steps.addTable(2, "bar");
        steps.tablePresent(1, "bar", 20);
        steps.responseContains(2, "/config", "master_start_timeout", 10);
    }

    @Test
    @Order(6)
    void checkRejoinOfTheFormerPrimaryWithPgRewind() throws Exception {
        assertThat(newPrimary).as("scenario 5 promoted a replica").isPositive();
        steps.addTable(0, "splitbrain");
        steps.start(0);
        // Patroni's feature allows 20 s; that is a speed figure, not the behaviour under test. Here the rejoin is a
        // demotion (immediate), single-user crash recovery, pg_rewind and a start as replica, which on a CI machine
        // at load average ~20 took longer than 20 s (2026-12-02); speed is measured by bin/bench, not here.
        steps.roleIs(0, "secondary", 60);
        steps.addTable(newPrimary, "buz");
        steps.tablePresent(0, "buz", 20);
    }

    @Test
    @Order(7)
    void checkGracefulRejectionWhenTwoNodesHaveTheSameName() throws Exception {
        LocalCluster c = steps.cluster();
        Path dir = Files.createDirectories(c.dir().resolve("dup-node0"));
        Path config = dir.resolve("dup-node0.yml");
        // the same node0 YAML with another REST port (Patroni's harness: 8011) and its own data directory
        String yaml = Files.readString(c.dir().resolve("node0.yml"))
                .replace("127.0.0.1:" + c.layout().restPort(0), "127.0.0.1:" + (c.layout().restPort(0) + 11))
                .replace("data_dir: " + c.layout().dataDir(0), "data_dir: " + dir.resolve("data"));
        Files.writeString(config, yaml);
        duplicate = new RegentNode("node0", config, dir.resolve("regent.log"));
        duplicate.start();
        steps.awaitTrue("the duplicate node0 exits", Duration.ofSeconds(40), () -> !duplicate.isAlive());
        FeatureSteps.logHas(duplicate.log(), "CRITICAL",
                List.of("Can't start; there is already a node named 'node0' running"), 5);
        assertThat(c.cluster().member("node0")).isPresent();
        assertThat(steps.rest(0, "GET", "/liveness", null).statusCode()).as("the original node0").isEqualTo(200);
    }

    /**
     * Patroni's "check that synchronous_mode_strict forces primary to keep old synchronous_standby_names" (development
     * branch), with released 4.x's outcome: after the failover the new primary's commits wait for any standby.
     */
    @Test
    @Order(8)
    void checkThatSynchronousModeStrictKeepsCommitsWaitingAfterAFailover() throws Exception {
        steps.setTag(0, "nosync", true);
        assertThat(steps.rest(0, "POST", "/reload", null).statusCode()).isEqualTo(202);
        steps.patchConfig(2, "{\"synchronous_mode\": true, \"synchronous_mode_strict\": true}");
        steps.syncKeyHas("sync_standby", "node1", 10);
        steps.syncStandbyNamesIs(2, "node1", 10);
        steps.shutDown(2);
        steps.roleIs(1, "primary", 20);
        // Patroni's development branch keeps the old primary in /sync and in synchronous_standby_names here (WARNING
        // "No active replication connections from Patroni members and synchronous_mode_strict is requested");
        // released 4.x publishes only the new leader and lets any standby confirm, as Regent does
        steps.logHas(1, "WARNING", List.of("No standbys available!"), 10);
        steps.syncKeyHas("leader", "node1", 10);
        steps.syncKeyHas("sync_standby", "None", 10);
        steps.syncStandbyNamesIs(1, "*", 10);
    }
}
