package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DynamicConfigTest {

    @Test
    void defaultsWhenEmpty() {
        DynamicConfig d = DynamicConfig.of((Map<String, Object>) null);
        assertThat(new int[] {d.ttl(), d.loopWait(), d.retryTimeout()}).containsExactly(30, 10, 10);
        assertThat(d.warnings()).isEmpty();
        assertThat(d.postgresql()).containsEntry("use_slots", true);
        assertThat(d.parameters()).containsEntry("max_connections", 100L).containsEntry("wal_level", "hot_standby")
                .doesNotContainKeys("wal_keep_size", "wal_keep_segments", "port");
        assertThat(d.asClusterConfig(3).maximumLagOnFailover()).isEqualTo(1048576L);
        assertThat(d.asClusterConfig(3).primaryStartTimeout()).isEqualTo(300);
    }

    /** ttl, loop_wait, retry_timeout in → out, and whether a warning is expected. */
    @ParameterizedTest
    @CsvSource({
        "30, 10, 10, 30, 10, 10, false",
        "10, 10, 10, 20, 1, 9, true",      // ttl raised to 20; 1 + 2*10 > 20 → loop 1, retry (20-1)//2
        "30, 15, 10, 30, 10, 10, true",    // shrink loop_wait only
        "30, 0, 1, 30, 1, 3, true",        // minimums raised, rule then holds
        "25, 1, 12, 25, 1, 12, false",     // exactly on the limit
        "24, 5, 12, 24, 1, 11, true",      // even loop_wait=1 does not fit → retry (24-1)//2
        "'30', '5', '10', 30, 5, 10, false" // strings coerced to int
    })
    void timeoutRulesLikePatroni(String ttl, String loop, String retry, int eTtl, int eLoop, int eRetry,
                                 boolean warned) {
        DynamicConfig d = DynamicConfig.of(map("ttl", ttl, "loop_wait", loop, "retry_timeout", retry));
        assertThat(new int[] {d.ttl(), d.loopWait(), d.retryTimeout()}).containsExactly(eTtl, eLoop, eRetry);
        assertThat(!d.warnings().isEmpty()).isEqualTo(warned);
        assertThat(d.asClusterConfig(1).ttl()).isEqualTo(eTtl);
        assertThat(d.asClusterConfig(1).loopWait()).isEqualTo(eLoop);
    }

    @Test
    void invalidProtectedParametersFallBackToDefaultsWithWarning() {
        DynamicConfig d = DynamicConfig.of(map("postgresql", map("parameters", map(
                "max_connections", 10L, "wal_level", "minimal", "listen_addresses", "*", "max_wal_senders", "20",
                "wal_keep_size", "1GB", "work_mem", "4MB", "hot_standby", "off"))));
        assertThat(d.parameters()).containsEntry("max_connections", 100L).containsEntry("wal_level", "hot_standby")
                .containsEntry("max_wal_senders", 20L).containsEntry("wal_keep_size", "1GB")
                .containsEntry("work_mem", "4MB").containsEntry("hot_standby", "on")
                .doesNotContainKey("listen_addresses");
        assertThat(d.warnings()).extracting(ConfigError::path).containsExactlyInAnyOrder(
                "postgresql.parameters.max_connections", "postgresql.parameters.wal_level",
                "postgresql.parameters.listen_addresses", "postgresql.parameters.hot_standby");
    }

    @Test
    void localOnlyKeysAndUnknownStandbyKeysAreDiscarded() {
        DynamicConfig d = DynamicConfig.of(map(
                "postgresql", map("data_dir", "/evil", "authentication", map(), "use_pg_rewind", true),
                "standby_cluster", map("host", "remote", "bogus", 1L)));
        assertThat(d.postgresql()).doesNotContainKeys("data_dir", "authentication").containsEntry("use_pg_rewind",
                true);
        assertThat(d.standbyCluster()).containsOnlyKeys("host");
    }
}
