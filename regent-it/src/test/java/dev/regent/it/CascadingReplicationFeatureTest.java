package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code features/cascading_replication.feature} ("cascading replication", postgres0..2): a replica tagged
 * {@code replicatefrom} a {@code clonefrom} replica takes its base backup from that replica and streams from it.
 */
class CascadingReplicationFeatureTest {
    private static FeatureSteps steps;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(3, 20, 2, 4);
    }

    @AfterAll
    static void tearDown() {
        if (steps != null) steps.close();
    }

    @Test
    void checkABaseBackupAndStreamingReplicationFromAReplica() throws Exception {
        steps.start(0);
        steps.isLeader(0, 10);
        steps.configureAndStart(1, "clonefrom", "true");
        steps.replicationWorks(0, 1, 20);
        steps.createLabel(0, "node0");
        steps.createLabel(1, "node1");
        steps.keyHas("members/node1", "state", "running", 12);
        steps.configureAndStart(2, "replicatefrom", "node1");
        steps.replicationWorks(0, 2, 30);
        assertThat(Files.readString(steps.dataDir(2).resolve("label"))).as("base backup source of node2")
                .contains("node1");
        // the scenario's summary: postgres-2 also streams from postgres-1 (pg_stat_replication on postgres-1)
        steps.isReplicatingFrom(2, 1, 10);
    }
}
