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
 * 3-node cluster, the scenarios that do not need synchronous replication, step by step: replication (with a
 * {@code replicatefrom} replica), the basic failover after the primary's manager stopped in pause, the rejoin of the
 * former primary through pg_rewind after a split-brain write, and the refusal of a duplicate name. Scenarios 2-4
 * (sync restart, stuck sync replica, multi sync) and the sync parts of 1 and 5 belong to the synchronous
 * replication issue.
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
        // Patroni's scenario also sets "synchronous_mode": true and checks the sync key: synchronous replication issue
        HttpResponse<String> patch = steps.rest(0, "PATCH", "/config", "{\"ttl\": 20}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        steps.start(1);
        steps.configureAndStart(2, "replicatefrom", "node0");
        steps.addTable(0, "foo");
        steps.tablePresent(1, "foo", 20);
        steps.tablePresent(2, "foo", 20);
    }

    @Test
    @Order(5)
    void checkTheBasicFailover() throws Exception {
        FeatureSteps.Result pause = steps.ctl("pause", "it");
        assertThat(pause.code()).as(pause.toString()).isZero();
        Thread.sleep(2000);
        steps.shutDown(0);
        FeatureSteps.Result resume = steps.ctl("resume", "it");
        assertThat(resume.code()).as(resume.toString()).isZero();
        // In synchronous mode the sync standby (postgres-2) is promoted; without it, either replica may win the race.
        steps.awaitTrue("node1 or node2 role is the primary", Duration.ofSeconds(24),
                () -> "f".equals(steps.query(1, "SELECT pg_is_in_recovery()"))
                        || "f".equals(steps.query(2, "SELECT pg_is_in_recovery()")));
        newPrimary = "f".equals(steps.query(1, "SELECT pg_is_in_recovery()")) ? 1 : 2;
        int other = 3 - newPrimary;
        steps.responseContains(newPrimary, "/history", "recovery", 10);
        steps.callbackLogHas(newPrimary, "on_role_change primary it", 5);
        // Patroni's PATCH also turns synchronous_mode off ("synchronous_mode": null): synchronous replication issue
        HttpResponse<String> patch = steps.rest(newPrimary, "PATCH", "/config", "{\"master_start_timeout\": 0}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        steps.addTable(newPrimary, "bar");
        steps.tablePresent(other, "bar", 20);
        steps.responseContains(newPrimary, "/config", "master_start_timeout", 10);
    }

    @Test
    @Order(6)
    void checkRejoinOfTheFormerPrimaryWithPgRewind() throws Exception {
        assertThat(newPrimary).as("scenario 5 promoted a replica").isPositive();
        steps.addTable(0, "splitbrain");
        steps.start(0);
        steps.roleIs(0, "secondary", 20);
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
}
