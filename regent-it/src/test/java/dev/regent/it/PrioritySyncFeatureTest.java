package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Patroni's {@code features/priority_sync.feature} ("synchronous replicas priority", postgres-0..3) on one 4-node
 * cluster in synchronous mode, its three scenarios in order, step by step ({@code postgres-N} is {@code nodeN}). Tags
 * are written as Patroni's harness writes them: "with a tag sync_priority 2" is the string {@code '2'}, "I set nosync
 * tag" the boolean {@code true}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrioritySyncFeatureTest {
    private static FeatureSteps steps;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(4, 30, 2, 4);
    }

    @AfterAll
    static void tearDown() {
        if (steps != null) steps.close();
    }

    @Test
    @Order(1)
    void checkReplicaWithSyncPriorityZeroDoesNotBecomeASynchronousReplica() throws Exception {
        steps.start(0);
        steps.isLeader(0, 10);
        steps.nonEmptyKey("initialize", 15);
        steps.patchConfig(0, "{\"ttl\": 20, \"synchronous_mode\": true}");
        steps.configureAndStart(1, "sync_priority", "0");
        steps.syncKeyHas("leader", "node0", 20);
        steps.syncKeyHas("sync_standby", "None", 5);
    }

    @Test
    @Order(2)
    void checkHigherSynchronousReplicasPriorityIsRespected() throws Exception {
        steps.configureAndStart(2, "sync_priority", "1");
        steps.configureAndStart(3, "sync_priority", "2");
        steps.replicationWorks(0, 2, 20);
        steps.replicationWorks(0, 3, 20);
        steps.patchConfig(0, "{\"synchronous_node_count\": 1}");
        steps.syncKeyHas("sync_standby", "node3", 10);
    }

    @Test
    @Order(3)
    void checkConflictingConfigurationHandling() throws Exception {
        steps.setTag(3, "nosync", true);
        assertThat(steps.rest(3, "POST", "/reload", null).statusCode()).isEqualTo(202);
        steps.logHas(3, "WARNING", List.of("Conflicting configuration between nosync: True and sync_priority: 2."
                + " Defaulting to nosync: True"), 5);
        steps.keyHas("members/node3", "tags", tags(true, "2"), 10);
        steps.syncKeyHas("sync_standby", "node2", 10);
        steps.setTag(1, "nosync", false);
        assertThat(steps.rest(1, "POST", "/reload", null).statusCode()).isEqualTo(202);
        steps.logHas(1, "WARNING", List.of("Conflicting configuration between nosync: False and sync_priority: 0."
                + " Defaulting to nosync: False"), 5);
        steps.keyHas("members/node1", "tags", tags(false, "0"), 10);
        steps.shutDown(2);
        steps.syncKeyHas("sync_standby", "node1", 3);
    }

    /** The member key's {@code tags}: {@code {'nosync': ..., 'sync_priority': '...'}}. */
    private static Map<String, Object> tags(boolean nosync, String priority) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("nosync", nosync);
        t.put("sync_priority", priority);
        return t;
    }
}
