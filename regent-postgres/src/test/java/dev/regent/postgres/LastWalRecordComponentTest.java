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

            assertThat(pg.lastWalRecordReads()).isEqualTo(1);
            assertThat(pg.lastWalRecordAfterCrash(pg.controlData())).as("observed again, unchanged").isEqualTo(last);
            assertThat(pg.lastWalRecordReads()).as("the unchanged WAL is not read again").isEqualTo(1);

            Path later = pg.dataDir().resolve("pg_wal").resolve(String.format("%08X.history", cd.timeline() + 1));
            Files.writeString(later, "1\t0/3000000\tno recovery target\n");
            assertThat(pg.lastWalRecordAfterCrash(cd)).as("a later timeline's history: the WAL may go on there")
                    .isNull();
            Files.delete(later);

            // a new segment file after the last one (a recycled one: old contents under a future name)
            Path lastSegment = lastSegment(pg.dataDir().resolve("pg_wal"));
            Path next = lastSegment.resolveSibling(nextSegmentName(lastSegment.getFileName().toString()));
            Files.copy(lastSegment, next);
            assertThat(pg.lastWalRecordAfterCrash(cd)).as("pg_waldump stops at the recycled segment's first page")
                    .isEqualTo(last);
            assertThat(pg.lastWalRecordReads()).as("a new segment file: read again").isEqualTo(2);
            Files.delete(next);
            assertThat(pg.lastWalRecordAfterCrash(cd)).isEqualTo(last);
            assertThat(pg.lastWalRecordReads()).isEqualTo(3);

            long logFrom = Files.size(pg.postmasterLog());
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            String recovery = Files.readString(pg.postmasterLog()).substring((int) logFrom);
            assertThat(recovery).contains("redo done at " + ControlData.formatLsn(last) + " ");

            // started, written to and killed again: never the answer read before the start
            pg.connection().execute("INSERT INTO t SELECT g FROM generate_series(1, 100) g");
            assertThat(pg.stop(StopMode.IMMEDIATE, PgTestNodes.timeout())).isTrue();
            ControlData again = pg.controlData();
            Long afterRestart = pg.lastWalRecordAfterCrash(again);
            assertThat(pg.lastWalRecordReads()).isEqualTo(4);
            assertThat(afterRestart).isNotNull().isGreaterThan(last).isGreaterThan(again.checkpointLocation());
            assertThat(pg.lastWalRecordAfterCrash(again)).isEqualTo(afterRestart);
            assertThat(pg.lastWalRecordReads()).isEqualTo(4);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();

            assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
            ControlData clean = pg.controlData();
            assertThat(clean.clusterState()).isEqualTo("shut down");
            assertThat(pg.lastWalRecordAfterCrash(clean)).as("a clean shutdown: pg_rewind's own check decides")
                    .isNull();
        }
    }

    private static Path lastSegment(Path pgWal) throws java.io.IOException {
        try (var files = Files.list(pgWal)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}"))
                    .max(java.util.Comparator.comparing(f -> f.getFileName().toString())).orElseThrow();
        }
    }

    /** The segment after {@code name} (16 MB segments: 256 per log file). */
    private static String nextSegmentName(String name) {
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16) + 1;
        if (seg == 0x100) {
            log++;
            seg = 0;
        }
        return String.format("%s%08X%08X", name.substring(0, 8), log, seg);
    }
}
