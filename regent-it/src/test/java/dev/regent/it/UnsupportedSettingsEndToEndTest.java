package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Settings Regent does not implement, and settings that contradict each other, with real daemons on a real etcd: a
 * node whose local configuration enables an unsupported safety setting refuses to start; the nofailover/
 * failover_priority contradiction warns like Patroni at start and after a reload instead of stopping the node.
 *
 * <p>This class also ran a {@code /config} enabling an unsupported dynamic ERROR setting (refused at start, refused
 * by {@code PATCH /config}, reported every cycle); {@code standby_cluster.host} with several hosts was the last such
 * setting and is implemented now (see {@link StandbyClusterSeveralHostsEndToEndTest}), so that scenario cannot be
 * set up any more. The machinery stays covered with a synthetic dynamic ERROR row: regent-core's
 * UnsupportedSettingsTest, regent-daemon's WriteEndpointsTest, ReadEndpointsTest and HaLoopUnsupportedConfigTest.
 */
class UnsupportedSettingsEndToEndTest {
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aNodeRefusesToStartWhenItsLocalConfigEnablesAnUnsupportedSafetySetting() throws Exception {
        cluster = LocalCluster.create(1, 20, 2, 4);
        RegentNode node = cluster.node(0);
        Path config = cluster.dir().resolve(node.name() + ".yml");
        Files.writeString(config, Files.readString(config) + "citus:\n  group: 0\n  database: citus\n");
        node.start();
        await("the node exits", Duration.ofSeconds(60), () -> !node.isAlive());
        assertThat(log(node)).contains("refusing to start: a setting Regent does not support yet: citus: "
                + "{group, database} (" + config + ":");
        assertThat(cluster.layout().dataDir(0).resolve("PG_VERSION")).as("postgres never initialised")
                .doesNotExist();
    }

    @Test
    void nofailoverAndFailoverPriorityConflictsOnlyWarnAtStartAndAfterAReload() throws Exception {
        cluster = LocalCluster.create(1, 20, 2, 4);
        RegentNode node = cluster.node(0);
        Path config = cluster.dir().resolve(node.name() + ".yml");
        String base = Files.readString(config);
        Files.writeString(config, base + "tags:\n  nofailover: false\n  failover_priority: 0\n");
        node.start();
        cluster.awaitHealthy(Duration.ofSeconds(90));
        assertThat(log(node)).contains("Conflicting configuration between nofailover: False and failover_priority: 0."
                + " Defaulting to nofailover: False");

        // after a reload, the other contradiction; both tags stay as configured in the member key
        Files.writeString(config, base + "tags:\n  nofailover: true\n  failover_priority: 1\n");
        assertThat(cluster.rest(0, "POST", "/reload", null).statusCode()).isEqualTo(202);
        await("the reload warning", Duration.ofSeconds(30), () -> log(node).contains("Conflicting configuration "
                + "between nofailover: True and failover_priority: 1. Defaulting to nofailover: True"));
        ClusterView tagged = cluster.await("tags published", Duration.ofSeconds(30), c -> c.member(node.name())
                .map(m -> Boolean.TRUE.equals(m.data().tags().get("nofailover"))).orElse(false));
        Map<String, Object> tags = tagged.member(node.name()).orElseThrow().data().tags();
        assertThat(String.valueOf(tags.get("failover_priority"))).isEqualTo("1");
    }

    private static String log(RegentNode node) {
        try {
            return Files.readString(node.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "\n"
                    + cluster.logs());
            Thread.sleep(100);
        }
    }
}
