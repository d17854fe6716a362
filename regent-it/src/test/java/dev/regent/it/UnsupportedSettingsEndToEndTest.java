package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Settings Regent does not implement, with real daemons on a real etcd: a {@code /config} that enables one stops a
 * node at start; once running, a REST write that would enable one is refused and one written past the REST API is
 * reported every cycle without touching the primary. And the nofailover/failover_priority contradiction warns like
 * Patroni at start and after a reload instead of stopping the node.
 */
class UnsupportedSettingsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void aNodeRefusesToStartWhenTheClusterConfigEnablesAnUnsupportedSafetySetting() throws Exception {
        cluster = LocalCluster.create(1, 20, 2, 4);
        assertThat(cluster.dcs().setConfigValue("{\"ttl\":20,\"loop_wait\":2,\"retry_timeout\":4,"
                + "\"standby_cluster\":{\"host\":\"h1,h2\"}}", null)).isTrue();
        RegentNode node = cluster.node(0);
        node.start();
        await("the node exits", Duration.ofSeconds(60), () -> !node.isAlive());
        assertThat(log(node)).contains("Can't start: the dynamic configuration enables a setting Regent does not "
                + "support yet: standby_cluster.host: h1,h2: a list of remote hosts");
        assertThat(cluster.layout().dataDir(0).resolve("PG_VERSION")).as("postgres never initialised")
                .doesNotExist();
    }

    @Test
    void aRunningLeaderReportsUnsupportedConfigAndNofailoverConflictsOnlyWarn() throws Exception {
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

        // a REST write that would enable an unsupported safety setting is refused with the reason
        HttpResponse<String> patch = cluster.rest(0, "PATCH", "/config", "{\"standby_cluster\":{\"host\":\"h1,h2\"}}");
        assertThat(patch.statusCode()).isEqualTo(400);
        assertThat(patch.body()).contains("standby_cluster.host: h1,h2: a list of remote hosts");
        assertThat(cluster.cluster().config().data()).doesNotContainKey("standby_cluster");

        // written past the REST API (edit-config writes the DCS directly): reported every cycle
        String leader = cluster.cluster().leader().name();
        ClusterView before = cluster.cluster();
        Map<String, Object> data = new java.util.LinkedHashMap<>(before.config().data());
        data.put("standby_cluster", Map.of("host", "h1,h2"));
        assertThat(cluster.dcs().setConfigValue(JSON.writeValueAsString(data), before.config().version())).isTrue();
        String reported = "/config enables a setting Regent does not support yet: standby_cluster.host: h1,h2";
        await("two cycles reporting it", Duration.ofSeconds(30), () -> log(node).split(reported, -1).length > 2);
        JsonNode patroni = JSON.readTree(cluster.rest(0, "GET", "/patroni", null).body());
        assertThat(patroni.path("unsupported_settings").get(0).path("key").asText()).isEqualTo("standby_cluster.host");
        // standby_cluster.host is the one unsupported dynamic ERROR left, and a standby_cluster section turns the
        // cluster into a standby cluster whatever its host list: the node keeps the lock as its standby leader
        assertThat(cluster.cluster().leader().name()).isEqualTo(leader);
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
