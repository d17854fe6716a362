package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Patroni's {@code features/quorum_commit.feature} ("quorum commit", postgres-0..2) on one 3-node cluster, its six
 * scenarios in order, step by step ({@code postgres-N} is {@code nodeN}, REST 8008 + N is node N). Strict mode is
 * replayed as the released Patroni 4.x behaves, as Regent does: {@code ANY 1 (*)} when no standby is available
 * (Patroni's development branch after 4.1.4 writes a placeholder name instead), and the second scenario is released
 * 4.x's "check failover with one quorum standby" (the development branch replaced it with a strict-mode variant that
 * keeps the old primary in {@code synchronous_standby_names}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuorumCommitFeatureTest {
    private static FeatureSteps steps;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(3, 30, 2, 4);
    }

    @AfterAll
    static void tearDown() {
        if (steps != null) steps.close();
    }

    @Test
    @Order(1)
    void checkEnableQuorumCommitAndThatTheOnlyLeaderPromotesAfterRestart() throws Exception {
        steps.start(0);
        steps.isLeader(0, 10);
        steps.nonEmptyKey("initialize", 15);
        steps.patchConfig(0, "{\"ttl\": 20, \"synchronous_mode\": \"quorum\"}");
        steps.syncKeyHas("leader", "node0", 20);
        steps.syncKeyHas("quorum", "0", 2);
        steps.syncStandbyNamesIs(0, "_empty_str_", 2);
        steps.shutDown(0);
        steps.syncKeyHas("leader", "node0", 2);
        steps.start(0);
        steps.roleIs(0, "primary", 10);
        steps.patchConfig(0, "{\"synchronous_mode_strict\": true}");
        steps.syncStandbyNamesIs(0, "ANY 1 (*)", 10);
    }

    @Test
    @Order(2)
    void checkFailoverWithOneQuorumStandby() throws Exception {
        steps.start(1);
        steps.syncKeyHas("sync_standby", "node1", 10);
        steps.syncStandbyNamesIs(0, "ANY 1 (node1)", 2);
        steps.shutDown(0);
        steps.roleIs(1, "primary", 10);
        steps.syncKeyHas("quorum", "0", 10);
        steps.syncStandbyNamesIs(1, "ANY 1 (*)", 10);
        steps.start(0);
        steps.syncKeyHas("leader", "node1", 10);
        steps.syncKeyHas("sync_standby", "node0", 10);
        steps.syncStandbyNamesIs(1, "ANY 1 (node0)", 2);
    }

    @Test
    @Order(3)
    void checkBehaviorWithThreeNodesAndDifferentReplicationFactor() throws Exception {
        steps.start(2);
        steps.syncKeyHas("sync_standby", "node0,node2", 10);
        steps.syncKeyHas("quorum", "1", 2);
        steps.syncStandbyNamesIs(1, "ANY 1 (node0,node2)", 2);
        steps.patchConfig(1, "{\"synchronous_node_count\": 2}");
        steps.syncKeyHas("quorum", "0", 10);
        steps.syncStandbyNamesIs(1, "ANY 2 (node0,node2)", 2);
    }

    @Test
    @Order(4)
    void switchFromQuorumReplicationToGoodOldMultisyncAndBack() throws Exception {
        steps.patchConfig(1, "{\"synchronous_mode\": true, \"synchronous_node_count\": 1}");
        steps.shutDown(0);
        steps.syncStandbyNamesIs(1, "node2", 10);
        steps.syncKeyHas("sync_standby", "node2", 10);
        steps.syncKeyHas("quorum", "0", 2);
        steps.patchConfig(1, "{\"synchronous_mode\": \"quorum\"}");
        steps.start(0);
        steps.syncStandbyNamesIs(1, "ANY 1 (node0,node2)", 10);
        steps.syncKeyHas("sync_standby", "node0,node2", 10);
        steps.syncKeyHas("quorum", "1", 2);
    }

    @Test
    @Order(5)
    void restApiAndPatronictl() throws Exception {
        FeatureSteps.Result list = steps.ctl("list", "it");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.output()).contains("Quorum Standby");
        steps.statusIs(0, "/quorum", 200, 3);
        steps.statusIs(2, "/quorum", 200, 3);
    }

    @Test
    @Order(6)
    void nosyncNodeIsRemovedFromVotersAndSynchronousStandbyNames() throws Exception {
        steps.setTag(2, "nosync", "true");
        assertThat(steps.rest(2, "POST", "/reload", null).statusCode()).isEqualTo(202);
        steps.syncKeyHas("quorum", "0", 10);
        steps.syncKeyHas("sync_standby", "node0", 10);
        steps.syncStandbyNamesIs(1, "ANY 1 (node0)", 2);
        steps.statusIs(2, "/quorum", 503, 10);
    }
}
