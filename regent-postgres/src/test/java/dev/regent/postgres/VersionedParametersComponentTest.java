package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import dev.regent.core.config.DynamicConfig;

/**
 * Real PostgreSQL 15: the parameters of Patroni configurations written for older servers. The original bug:
 * {@code bootstrap.dcs.postgresql.parameters.wal_keep_segments: 100} was written as is and postgres refused to start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class VersionedParametersComponentTest {
    private PgTestNodes nodes;
    private Postgresql pg;

    @BeforeAll
    void bootstrap() throws Exception {
        nodes = new PgTestNodes();
        Map<String, Object> local = new LinkedHashMap<>();
        local.put("checkpoint_segments", 8);                     // gone in 9.5
        local.put("stats_temp_directory", "/tmp/stats");        // gone in 15
        local.put("shard_buffers", "1MB");                      // misspelt
        local.put("zero_damaged_pages", "off");                 // developer GUC, not in describe-config
        local.put("pg_stat_statements.track", "all");           // extension GUC
        pg = nodes.node("versioned", local, Map.of());
        // what the daemon does with bootstrap.dcs
        Map<String, Object> dcs = Map.of("postgresql", Map.of("parameters", Map.of("wal_keep_segments", 100)));
        pg.setDynamicParameters(DynamicConfig.of(dcs).parameters());
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        pg.writeConfig(Role.PRIMARY, null, null);
    }

    @AfterAll
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    @Order(1)
    void walKeepSegmentsIsWrittenAsWalKeepSizeAndUnknownNamesAreLeftOut() throws Exception {
        String conf = Files.readString(pg.configDir().resolve("postgresql.conf"));
        assertThat(conf).contains("wal_keep_size = '1600MB'").doesNotContain("wal_keep_segments")
                .doesNotContain("checkpoint_segments").doesNotContain("stats_temp_directory")
                .doesNotContain("shard_buffers").contains("zero_damaged_pages = 'off'")
                .contains("pg_stat_statements.track = 'all'");
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
        assertThat(pg.connection().queryStrings("SHOW wal_keep_size")).containsExactly("1600MB");
    }

    @Test
    @Order(2)
    void recoveryGucsSetByAlterSystemAreStrippedFromPostgresqlAutoConf() throws Exception {
        pg.connection().execute("ALTER SYSTEM SET restore_command = 'false'");
        pg.connection().execute("ALTER SYSTEM SET work_mem = '5MB'");
        assertThat(Files.readString(pg.dataDir().resolve("postgresql.auto.conf"))).contains("restore_command");
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(Files.readString(pg.dataDir().resolve("postgresql.auto.conf")))
                .doesNotContain("restore_command").contains("work_mem = '5MB'");
    }

    @Test
    @Order(3)
    void whatPostgresStillRefusesIsReportedWithItsFatalLine() throws Exception {
        pg.stop(StopMode.FAST, PgTestNodes.timeout());
        pg.setDynamicParameters(Map.of("wal_keep_segments", 100, "shared_preload_libraries", "no_such_library"));
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThatThrownBy(() -> pg.start(PgTestNodes.timeout())).isInstanceOf(PostgresException.class)
                .hasMessageContaining("refusing to start with: ")
                .hasMessageContaining("FATAL:  could not access file \"no_such_library\"");
        pg.setDynamicParameters(Map.of("wal_keep_segments", 100));
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
    }
}
