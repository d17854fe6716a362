package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Validation against the real catalogue of the installed PostgreSQL ({@code postgres --describe-config}). */
class ParameterValidatorTest {
    private static final String LOCAL = "postgres0.yml:42";
    private static GucCatalogue catalogue;
    private static int version;

    @BeforeAll
    static void describeInstalledServer() {
        PgBinaries bin = new PgBinaries(null, null);
        version = bin.version();
        catalogue = bin.catalogue();
    }

    private static ParameterValidator.Result check(Map<String, Object> given) {
        Map<String, ParameterValidator.Sourced> in = new LinkedHashMap<>();
        given.forEach((k, v) -> in.put(k, new ParameterValidator.Sourced(v, LOCAL)));
        return new ParameterValidator(version, catalogue).parameters(in);
    }

    @Test
    void theInstalledServerDescribesItsGucs() {
        assertThat(version).isGreaterThanOrEqualTo(150000).isLessThan(160000);
        assertThat(catalogue.size()).isGreaterThan(250);
        assertThat(catalogue.contains("shared_buffers")).isTrue();
        assertThat(catalogue.contains("wal_keep_size")).isTrue();
        // gone in 13 and 15, and developer GUCs are not described
        assertThat(catalogue.contains("wal_keep_segments")).isFalse();
        assertThat(catalogue.contains("stats_temp_directory")).isFalse();
        assertThat(catalogue.contains("zero_damaged_pages")).isFalse();
    }

    @Test
    void namesTheServerDoesNotKnowAreDroppedWithTheirSource() {
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("stats_temp_directory", "/var/run/postgresql/stats");
        given.put("checkpoint_segments", 8);
        given.put("shard_buffers", "128MB");
        given.put("work_mem", "4MB");
        ParameterValidator.Result r = check(given);
        assertThat(r.kept()).containsOnlyKeys("work_mem");
        assertThat(r.findings()).extracting(ParameterValidator.Finding::name)
                .containsExactly("stats_temp_directory", "checkpoint_segments", "shard_buffers");
        assertThat(r.findings()).allMatch(ParameterValidator.Finding::dropped);
        assertThat(r.findings().get(2).toString()).isEqualTo("Removing unexpected parameter=shard_buffers "
                + "value=128MB from the config: PostgreSQL 15 does not know it (from postgres0.yml:42)");
    }

    @Test
    void developerGucsKnownToPatroniAndExtensionGucsPassThrough() {
        ParameterValidator.Result r = check(Map.of("zero_damaged_pages", "on", "pg_stat_statements.max", 10000,
                "auto_explain.log_min_duration", "5s"));
        assertThat(r.kept()).containsOnlyKeys("zero_damaged_pages", "pg_stat_statements.max",
                "auto_explain.log_min_duration");
        assertThat(r.findings()).isEmpty();
    }

    @Test
    void valuesAreCheckedByTypeWithPostgresqlUnits() {
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("shared_buffers", "16MB");            // 2048 x 8kB: fine
        given.put("checkpoint_timeout", "5min");         // fine
        given.put("max_wal_size", "1GB");                // fine
        given.put("wal_buffers", "-1");                  // fine (auto)
        given.put("checkpoint_completion_target", 0.9); // fine
        given.put("log_min_messages", "warning");        // enum, fine
        given.put("fsync", "off");                       // bool, fine
        given.put("synchronous_commit", "on");          // enum-bool
        given.put("hot_standby_feedback", "maybe");     // bad bool
        given.put("log_min_duration_statement", "5 parsecs");  // bad unit
        given.put("work_mem", "10s");                    // time unit for a memory GUC
        given.put("autovacuum_naptime", "30d");          // above 2147483 s: clamped
        given.put("log_rotation_age", "0");              // fine
        given.put("log_statement", "everything");        // bad enum
        ParameterValidator.Result r = check(given);
        assertThat(r.kept()).containsKeys("shared_buffers", "checkpoint_timeout", "max_wal_size", "wal_buffers",
                "checkpoint_completion_target", "log_min_messages", "fsync", "synchronous_commit", "log_rotation_age");
        assertThat(r.kept()).doesNotContainKeys("hot_standby_feedback", "log_min_duration_statement", "work_mem",
                "log_statement");
        assertThat(r.findings()).extracting(ParameterValidator.Finding::name).containsExactly(
                "hot_standby_feedback", "log_min_duration_statement", "work_mem", "autovacuum_naptime",
                "log_statement");
        assertThat(r.kept()).containsEntry("autovacuum_naptime", "2147483");
        assertThat(r.findings().get(0).message())
                .isEqualTo("Removing bool parameter=hot_standby_feedback from the config due to the invalid "
                        + "value=maybe");
    }

    @Test
    void tooLowNumbersAreRaisedAsPatroniDoes() {
        ParameterValidator.Result r = check(Map.of("shared_buffers", "64kB"));
        assertThat(r.kept()).containsEntry("shared_buffers", "16");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.dropped()).isFalse();
            assertThat(f.message())
                    .isEqualTo("Value=64kB of parameter=shared_buffers is too low, increasing to 16 x 8kB");
        });
    }

    @Test
    void withoutACatalogueOnlyPatronisTableDecides() {
        Map<String, ParameterValidator.Sourced> in = Map.of("checkpoint_segments",
                new ParameterValidator.Sourced(16, "x"));
        // checkpoint_segments was removed in 9.5
        assertThat(new ParameterValidator(90400, null).parameters(in).kept()).containsKey("checkpoint_segments");
        assertThat(new ParameterValidator(90600, null).parameters(in).kept()).doesNotContainKey("checkpoint_segments");
    }

    @Test
    void recoveryGucsAreCheckedAgainstTheirOwnTable() {
        Map<String, ParameterValidator.Sourced> in = new LinkedHashMap<>();
        in.put("restore_command", new ParameterValidator.Sourced("cp %f %p", "x"));
        in.put("recovery_min_apply_delay", new ParameterValidator.Sourced("5min", "x"));
        in.put("trigger_file", new ParameterValidator.Sourced("/t", "x"));
        ParameterValidator.Result r15 = new ParameterValidator(version, catalogue).recovery(in);
        assertThat(r15.kept()).containsOnlyKeys("restore_command", "recovery_min_apply_delay");
        ParameterValidator.Result r11 = new ParameterValidator(110000, null).recovery(in);
        assertThat(r11.kept()).containsOnlyKeys("restore_command", "recovery_min_apply_delay", "trigger_file");
    }
}
