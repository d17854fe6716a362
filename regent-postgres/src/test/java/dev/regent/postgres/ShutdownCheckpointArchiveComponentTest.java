package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: demote-cluster's archive of the WAL segment holding the shutdown checkpoint (Patroni's
 * archive_shutdown_checkpoint_wal). PostgreSQL's own archiver leaves that unfinished segment out; after the call the
 * archive holds it, shutdown checkpoint included, so a follower restoring from the archive can read up to it. Nothing
 * runs when archiving is off, and a failing archive_command is reported, not thrown.
 */
class ShutdownCheckpointArchiveComponentTest {
    @Test
    void theSegmentWithTheShutdownCheckpointReachesTheArchive() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Path archive = nodes.base().resolve("archive");
            new CommandRunner().ensureOwnedDirectory(archive);
            Postgresql pg = nodes.node("node-a", Map.of("archive_mode", "on",
                    "archive_command", "test ! -f " + archive + "/%f && cp %p " + archive + "/%f"), Map.of());
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            pg.connection().execute("CREATE TABLE t AS SELECT 1 AS x");
            assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();

            ControlData cd = pg.controlData();
            assertThat(cd.clusterState()).isEqualTo("shut down");
            String segment = cd.get("Latest checkpoint's REDO WAL file");
            assertThat(archive.resolve(segment)).as("PostgreSQL's archiver left the unfinished segment out")
                    .doesNotExist();

            assertThat(pg.archiveShutdownCheckpointWal(PgTestNodes.timeout())).isTrue();
            assertThat(Files.readAllBytes(archive.resolve(segment)))
                    .isEqualTo(Files.readAllBytes(pg.dataDir().resolve("pg_wal").resolve(segment)));
            String lsn = ControlData.formatLsn(cd.checkpointLocation());
            CommandRunner.Result dump = new CommandRunner().run(List.of(pg.binaries().path("pg_waldump"),
                    "--path=" + archive, "--timeline=" + cd.timeline(), "--start=" + lsn, "--limit=1", segment),
                    Map.of(), null, PgTestNodes.timeout());
            assertThat(dump.output()).as("the archived copy holds the shutdown checkpoint")
                    .contains("desc: CHECKPOINT_SHUTDOWN");

            assertThat(pg.archiveShutdownCheckpointWal(PgTestNodes.timeout()))
                    .as("archive_command refuses a segment it has: reported, not thrown").isFalse();

            Files.delete(archive.resolve(segment));
            Postgresql off = nodes.node("node-b", Map.of("archive_command", "cp %p " + archive + "/%f"), Map.of());
            off.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            off.writeConfig(Role.PRIMARY, null, null);
            List<Path> before;
            try (var files = Files.list(archive)) {
                before = files.toList();
            }
            assertThat(off.archiveShutdownCheckpointWal(PgTestNodes.timeout())).as("archive_mode off").isFalse();
            try (var files = Files.list(archive)) {
                assertThat(files.toList()).as("nothing archived").isEqualTo(before);
            }
        }
    }

    @Test
    void placeholdersAreFilledAsPatroniDoes() {
        assertThat(ShutdownCheckpointArchive.expand("cp %p /a/%f.%r 100%% %x %", "/d/pg_wal",
                "000000010000000000000003"))
                .isEqualTo("cp /d/pg_wal/000000010000000000000003 /a/000000010000000000000003."
                        + "000000010000000000000001 100% %x %");
    }
}
