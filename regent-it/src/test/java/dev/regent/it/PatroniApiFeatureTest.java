package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Patroni's {@code features/patroni_api.feature} ("patroni api", postgres-0..1), scenario by scenario on one 2-node
 * cluster (node0, node1; scope {@code it} for {@code batman}), with the same steps, codes and texts. Checks of a
 * response ("I receive a response ...") are soft, so that one wrong code does not hide the rest of the scenario;
 * waits ("... after N seconds") are hard, because later steps depend on them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniApiFeatureTest {
    private static FeatureSteps steps;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(2, 20, 2, 4);
    }

    @AfterAll
    static void tearDown() {
        if (steps != null) steps.close();
    }

    @Test
    @Order(1)
    void checkApiRequestsOnAStandAloneServer() throws Exception {
        steps.start(0);
        steps.isLeader(0, 10);
        SoftAssertions soft = new SoftAssertions();
        HttpResponse<String> root = steps.rest(0, "GET", "/", null);
        soft.assertThat(root.statusCode()).as("GET / " + root.body()).isEqualTo(200);
        soft.assertThat(FeatureSteps.json(root).path("state").asText()).isEqualTo("running");
        soft.assertThat(FeatureSteps.json(root).path("role").asText()).isEqualTo("primary");
        soft.assertThat(steps.rest(0, "GET", "/standby_leader", null).statusCode()).isEqualTo(503);
        soft.assertThat(steps.rest(0, "GET", "/health", null).statusCode()).isEqualTo(200);
        soft.assertThat(steps.rest(0, "GET", "/replica", null).statusCode()).isEqualTo(503);
        HttpResponse<String> reinit = steps.rest(0, "POST", "/reinitialize", "{\"force\": true}");
        soft.assertThat(reinit.statusCode()).isEqualTo(503);
        soft.assertThat(reinit.body()).isEqualTo("I am the leader, can not reinitialize");
        FeatureSteps.Result sw = steps.ctl("switchover", "it", "--primary", "node0", "--force");
        soft.assertThat(sw.code()).as(sw.toString()).isEqualTo(1);
        soft.assertThat(sw.output()).contains("Error: No candidates found to switchover to");
        HttpResponse<String> swRest = steps.rest(0, "POST", "/switchover", "{\"leader\": \"node0\"}");
        soft.assertThat(swRest.statusCode()).isEqualTo(412);
        soft.assertThat(swRest.body())
                .isEqualTo("switchover is not possible: cluster does not have members except leader");
        soft.assertThat(steps.rest(0, "POST", "/failover", null).statusCode()).as("empty POST /failover")
                .isEqualTo(400);
        HttpResponse<String> foo = steps.rest(0, "POST", "/failover", "{\"foo\": \"bar\"}");
        soft.assertThat(foo.statusCode()).isEqualTo(400);
        soft.assertThat(foo.body()).isEqualTo("Failover could be performed only to a specific candidate");
        soft.assertAll();
    }

    @Test
    @Order(2)
    void checkLocalConfigurationReload() throws Exception {
        steps.setTag(0, "new_tag", "new_value");
        assertThat(steps.rest(0, "POST", "/reload", null).statusCode()).isEqualTo(202);
    }

    @Test
    @Order(3)
    void checkDynamicConfigurationChangeViaDcs() throws Exception {
        HttpResponse<String> patch = steps.rest(0, "PATCH", "/config",
                "{\"ttl\": 20, \"postgresql\": {\"parameters\": {\"max_connections\": \"101\"}}}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        steps.responseContains(0, "/patroni", "pending_restart", 11);
        SoftAssertions soft = new SoftAssertions();
        HttpResponse<String> config = steps.rest(0, "GET", "/config", null);
        soft.assertThat(config.statusCode()).isEqualTo(200);
        soft.assertThat(FeatureSteps.json(config).path("ttl").asInt()).isEqualTo(20);
        HttpResponse<String> patroni = steps.rest(0, "GET", "/patroni", null);
        soft.assertThat(patroni.statusCode()).isEqualTo(200);
        // Patroni's step compares str(tags) with "{'new_tag': 'new_value'}": built-in tags that are false are absent
        soft.assertThat(FeatureSteps.json(patroni).path("tags")).as("GET /patroni tags in " + patroni.body())
                .isEqualTo(FeatureSteps.JSON.valueToTree(Map.of("new_tag", "new_value")));
        soft.assertAll();
        Thread.sleep(4000);
    }

    @Test
    @Order(4)
    void checkTheScheduledRestart() throws Exception {
        FeatureSteps.Result edit = steps.ctl("edit-config", "-p", "superuser_reserved_connections=6", "--force", "it");
        assertThat(edit.code()).as(edit.toString()).isZero();
        assertThat(edit.output()).contains("+    superuser_reserved_connections: 6");
        steps.responseContains(0, "/patroni", "pending_restart", 5);
        HttpResponse<String> replicaOnly = steps.scheduledRestart(0, 5, Map.of("role", "replica"));
        assertThat(replicaOnly.statusCode()).as(replicaOnly.body()).isEqualTo(202);
        Thread.sleep(8000);
        steps.responseContains(0, "/patroni", "pending_restart", 10);
        HttpResponse<String> pending = steps.scheduledRestart(0, 5, Map.of("restart_pending", "True"));
        assertThat(pending.statusCode()).as(pending.body()).isEqualTo(202);
        steps.responseDoesNotContain(0, "/patroni", "pending_restart", 10);
        steps.roleIs(0, "primary", 10);
    }

    @Test
    @Order(5)
    void checkApiRequestsForThePrimaryReplicaPairInThePauseMode() throws Exception {
        steps.start(1);
        steps.replicationWorks(0, 1, 20);
        // --wait: the kill must hit a node that knows the cluster is paused. Without it, a cycle of node1 that read
        // the DCS just before the pause and saw postgres just after the kill started postgres again (not paused
        // yet, as Patroni would too), and the key never showed "stopped".
        FeatureSteps.Result pause = steps.ctl("pause", "it", "--wait");
        assertThat(pause.code()).as(pause.toString()).isZero();
        steps.killPostmaster(1);
        SoftAssertions soft = new SoftAssertions();
        HttpResponse<String> dead = steps.rest(1, "GET", "/replica", null);
        soft.assertThat(dead.statusCode()).as("GET /replica right after the postmaster was killed: " + dead.body())
                .isEqualTo(503);
        steps.keyHas("members/node1", "state", "stopped", 10);
        FeatureSteps.Result restart = steps.ctl("restart", "it", "node1", "--force");
        assertThat(restart.code()).as(restart.toString()).isZero();
        steps.replicationWorks(0, 1, 20);
        Thread.sleep(2000);
        HttpResponse<String> replica = steps.rest(1, "GET", "/replica", null);
        soft.assertThat(replica.statusCode()).as(replica.body()).isEqualTo(200);
        soft.assertThat(FeatureSteps.json(replica).path("state").asText()).isEqualTo("running");
        soft.assertThat(FeatureSteps.json(replica).path("role").asText()).isEqualTo("replica");
        FeatureSteps.Result reinit = steps.ctl("reinit", "it", "node1", "--force", "--from-leader", "--wait");
        assertThat(reinit.code()).as(reinit.toString()).isZero();
        soft.assertThat(reinit.output()).contains("Success: reinitialize for member node1");
        steps.roleIs(1, "secondary", 30);
        steps.replicationWorks(0, 1, 20);
        FeatureSteps.Result restart0 = steps.ctl("restart", "it", "node0", "--force");
        assertThat(restart0.code()).as(restart0.toString()).isZero();
        soft.assertThat(restart0.output()).contains("Success: restart on member node0");
        steps.roleIs(0, "primary", 5);
        soft.assertAll();
    }

    @Test
    @Order(6)
    void checkTheSwitchoverViaTheApiInThePauseMode() throws Exception {
        // Not a step of the scenario: node0 was restarted just before, and until node1 streams again it lags by the
        // WAL segment switched to before the restart, so the leader refuses the switchover ("no healthy members"), as
        // Patroni's is_failover_possible would; Patroni's slower restart leaves node1 the time to reconnect.
        steps.replicationWorks(0, 1, 20);
        HttpResponse<String> sw = steps.rest(0, "POST", "/switchover",
                "{\"leader\": \"node0\", \"candidate\": \"node1\"}");
        assertThat(sw.statusCode()).as(sw.body()).isEqualTo(200);
        steps.isLeader(1, 5);
        steps.roleIs(1, "primary", 10);
        steps.roleIs(0, "secondary", 30);
        steps.replicationWorks(1, 0, 20);
        steps.keyHas("members/node0", "state", "running", 10);
        assertPrimaryAndReplicaCodes(1, 0);
    }

    @Test
    @Order(7)
    void checkTheScheduledSwitchover() throws Exception {
        FeatureSteps.Result refused = scheduledSwitchover(1, 0, 10);
        assertThat(refused.code()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.output()).contains("Can't schedule switchover in the paused state");
        FeatureSteps.Result resume = steps.ctl("resume", "it");
        assertThat(resume.code()).as(resume.toString()).isZero();
        FeatureSteps.Result scheduled = scheduledSwitchover(1, 0, 10);
        assertThat(scheduled.code()).as(scheduled.toString()).isZero();
        steps.isLeader(0, 20);
        steps.roleIs(0, "primary", 10);
        steps.roleIs(1, "secondary", 10);
        steps.replicationWorks(0, 1, 25);
        steps.keyHas("members/node1", "state", "running", 10);
        assertPrimaryAndReplicaCodes(0, 1);
    }

    /** {@code I issue a scheduled switchover from {a} to {b} in {N} seconds}, with the time as Python prints it. */
    private static FeatureSteps.Result scheduledSwitchover(int from, int to, int inSeconds) {
        return steps.ctl("switchover", "it", "--primary", FeatureSteps.name(from), "--candidate",
                FeatureSteps.name(to), "--scheduled", FeatureSteps.pythonDateTimeIn(inSeconds), "--force");
    }

    private static void assertPrimaryAndReplicaCodes(int primary, int replica) {
        SoftAssertions soft = new SoftAssertions();
        for (int[] check : List.of(new int[] {primary, 200, 503}, new int[] {replica, 503, 200})) {
            soft.assertThat(steps.rest(check[0], "GET", "/primary", null).statusCode())
                    .as("GET /primary on node%d", check[0]).isEqualTo(check[1]);
            soft.assertThat(steps.rest(check[0], "GET", "/replica", null).statusCode())
                    .as("GET /replica on node%d", check[0]).isEqualTo(check[2]);
        }
        soft.assertAll();
    }
}
