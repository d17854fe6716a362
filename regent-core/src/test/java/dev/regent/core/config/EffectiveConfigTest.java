package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.map;
import static dev.regent.core.config.TestTrees.section;
import static dev.regent.core.config.TestTrees.valid;
import static dev.regent.core.config.TestTrees.validate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EffectiveConfigTest {

    private static NodeConfig local(Map<String, Object> tree) {
        ValidationResult r = validate(tree);
        assertThat(r.errors()).isEmpty();
        return r.config();
    }

    @Test
    void bootstrapDcsActsAsDynamicBeforeTheClusterHasConfig() {
        Map<String, Object> t = valid();
        section(t, "bootstrap").put("dcs", map("ttl", 40L, "loop_wait", 5L, "maximum_lag_on_failover", 1000L));
        EffectiveConfig e = EffectiveConfig.of(local(t), null);
        assertThat(e.ttl()).isEqualTo(40);
        assertThat(e.loopWait()).isEqualTo(5);
        assertThat(e.global().maximumLagOnFailover()).isEqualTo(1000L);
        ClusterConfig fromDcs = new ClusterConfig(7, map("ttl", 50L));
        EffectiveConfig e2 = EffectiveConfig.of(local(t), fromDcs);
        assertThat(e2.ttl()).isEqualTo(50);
        assertThat(e2.loopWait()).isEqualTo(10);
        assertThat(e2.global().maximumLagOnFailover()).isEqualTo(1048576L);
        assertThat(e2.global().version()).isEqualTo(7);
    }

    @Test
    void localTimeoutsAreIgnored() {
        Map<String, Object> t = valid();
        t.put("ttl", 99L);
        t.put("loop_wait", 2L);
        ValidationResult r = validate(t);
        assertThat(r.warnings()).extracting(ConfigError::path).contains("ttl", "loop_wait");
        EffectiveConfig e = EffectiveConfig.of(r.config(), ClusterConfig.empty());
        assertThat(e.ttl()).isEqualTo(30);
        assertThat(e.loopWait()).isEqualTo(10);
    }

    @Test
    void localPostgresqlOverridesDynamicExceptUseSlotsAndProtectedParameters() {
        Map<String, Object> t = valid();
        Map<String, Object> pg = section(t, "postgresql");
        pg.put("use_pg_rewind", false);
        pg.put("use_slots", false);
        pg.put("parameters", map("work_mem", "16MB", "max_connections", 500L));
        ClusterConfig dynamic = new ClusterConfig(1, map("postgresql", map(
                "use_pg_rewind", true, "use_slots", true, "data_dir", "/elsewhere",
                "parameters", map("work_mem", "4MB", "shared_buffers", "1GB", "max_connections", 200L))));
        EffectiveConfig e = EffectiveConfig.of(local(t), dynamic);
        assertThat(e.usePgRewind()).isFalse();
        assertThat(e.useSlots()).isTrue();
        assertThat(e.postgresql()).containsEntry("data_dir", "/data/pg0");
        assertThat(e.postgresqlParameters()).containsEntry("work_mem", "16MB").containsEntry("shared_buffers", "1GB")
                .containsEntry("max_connections", 200L).containsEntry("max_wal_senders", 10L);
    }

    @Test
    void dynamicValuesApplyWhenLocalIsSilent() {
        ClusterConfig dynamic = new ClusterConfig(1, map("postgresql", map("use_pg_rewind", "on",
                "use_slots", "off", "remove_data_directory_on_rewind_failure", true),
                "standby_cluster", map("host", "remote.example", "port", 5432L)));
        EffectiveConfig e = EffectiveConfig.of(local(valid()), dynamic);
        assertThat(e.usePgRewind()).isTrue();
        assertThat(e.useSlots()).isFalse();
        assertThat(e.postgresqlFlag("remove_data_directory_on_rewind_failure")).isTrue();
        assertThat(e.isStandbyCluster()).isTrue();
        assertThat(e.describe()).anyMatch(l -> l.startsWith("ttl=30"));
    }

    @Test
    void warningsFromDynamicLayerAreExposed() {
        EffectiveConfig e = EffectiveConfig.of(local(valid()), new ClusterConfig(1, map("ttl", 5L)));
        assertThat(e.ttl()).isEqualTo(20);
        assertThat(e.warnings()).isNotEmpty();
        assertThat(e.warnings().get(0).message()).contains("can't be smaller than 20");
    }
}
