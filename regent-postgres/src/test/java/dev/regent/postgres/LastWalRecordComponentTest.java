package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: where a primary that went down without a shutdown checkpoint has its last WAL record, read with
 * pg_waldump before anything touches the data directory, is exactly where crash recovery then stops replaying ("redo
 * done at X"). The decider lets such a former primary follow the new leader without pg_rewind when that record
 * begins before the fork point, so the value must be neither short nor long of what crash recovery replays.
 */
class LastWalRecordComponentTest {
    @Test
    void theLastRecordIsWhereCrashRecoveryStopsReplaying() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("node-crashed", Map.of(), Map.of());
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            pg.connection().execute("CREATE TABLE t AS SELECT g AS x FROM generate_series(1, 1000) g");
            pg.connection().execute("INSERT INTO t VALUES (1001)");
            assertThat(pg.stop(StopMode.IMMEDIATE, PgTestNodes.timeout())).isTrue();

            ControlData cd = pg.controlData();
            assertThat(cd.clusterState()).isEqualTo("in production");
            Long last = pg.lastWalRecordAfterCrash(cd);
            assertThat(last).as("the last record after the latest checkpoint").isNotNull()
                    .isGreaterThan(cd.checkpointLocation());

            Path later = pg.dataDir().resolve("pg_wal").resolve(String.format("%08X.history", cd.timeline() + 1));
            Files.writeString(later, "1\t0/3000000\tno recovery target\n");
            assertThat(pg.lastWalRecordAfterCrash(cd)).as("a later timeline's history: the WAL may go on there")
                    .isNull();
            Files.delete(later);

            long logFrom = Files.size(pg.postmasterLog());
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            String recovery = Files.readString(pg.postmasterLog()).substring((int) logFrom);
            assertThat(recovery).contains("redo done at " + ControlData.formatLsn(last) + " ");

            assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
            ControlData clean = pg.controlData();
            assertThat(clean.clusterState()).isEqualTo("shut down");
            assertThat(pg.lastWalRecordAfterCrash(clean)).as("a clean shutdown: pg_rewind's own check decides")
                    .isNull();
        }
    }
}
