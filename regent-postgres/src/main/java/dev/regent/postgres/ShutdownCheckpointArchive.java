package dev.regent.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's {@code archive_shutdown_checkpoint_wal}, run when a primary is demoted into a standby cluster
 * (demote-cluster): after the clean shutdown, the WAL segment holding the shutdown checkpoint is handed to
 * {@code archive_command} once. PostgreSQL's archiver never archives it (the segment is not complete), yet a node
 * that follows this cluster through {@code restore_command} needs the WAL up to the shutdown checkpoint to continue on
 * the remote primary's timeline without a rewind.
 */
final class ShutdownCheckpointArchive {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownCheckpointArchive.class);

    /** What happened, for the caller's tests and log. */
    enum Outcome { NOT_CONFIGURED, ARCHIVED, FAILED }

    private final CommandRunner runner;
    private final PgBinaries bin;
    private final Path dataDir;
    private final Path postgresqlConf;

    ShutdownCheckpointArchive(CommandRunner runner, PgBinaries bin, Path dataDir, Path postgresqlConf) {
        this.runner = runner;
        this.bin = bin;
        this.dataDir = dataDir;
        this.postgresqlConf = postgresqlConf;
    }

    /**
     * Archives the segment of pg_control's {@code Latest checkpoint's REDO WAL file} (the shutdown checkpoint's own,
     * after a clean shutdown) with {@code archive_command} when {@code archive_mode} is {@code on} or {@code always}
     * and {@code archive_command} is set, as postgres reads its configuration ({@code postgres -C}, Patroni's
     * get_guc_value, so ALTER SYSTEM counts). A failure is logged, never thrown: the demotion goes on, as Patroni's.
     *
     * @param controlData pg_controldata of the stopped data directory
     * @param timeout     bound of each command
     */
    Outcome run(ControlData controlData, Duration timeout) {
        String command = archiveCommand(timeout);
        if (command == null) {
            LOG.info("Not archiving latest checkpoint WAL file. Archiving is not configured.");
            return Outcome.NOT_CONFIGURED;
        }
        String walFile = controlData.get("Latest checkpoint's REDO WAL file");
        if (walFile == null || walFile.isBlank()) {
            LOG.error("Cannot extract latest checkpoint's WAL file name");
            return Outcome.FAILED;
        }
        String cmd = expand(command, dataDir.resolve("pg_wal").toString(), walFile.strip());
        LOG.info("archiving the WAL file with the shutdown checkpoint: {}", cmd);
        CommandRunner.Result r = runner.run(List.of("/bin/sh", "-c", cmd), Map.of(), null, timeout);
        if (!r.ok()) {
            LOG.error("Failed to archive WAL file with the shutdown checkpoint (exit code {}): {}", r.exitCode(),
                    r.output().strip());
            return Outcome.FAILED;
        }
        return Outcome.ARCHIVED;
    }

    /** archive_command when archiving is on, else null. */
    private String archiveCommand(Duration timeout) {
        String mode = guc("archive_mode", timeout);
        if (!"on".equals(mode) && !"always".equals(mode)) return null;
        String command = guc("archive_command", timeout);
        return command == null || command.isBlank() ? null : command;
    }

    /** A setting as postgres reads its configuration files, or null when postgres cannot tell. */
    private String guc(String name, Duration timeout) {
        CommandRunner.Result r = runner.run(List.of(bin.path("postgres"), "-D", dataDir.toString(),
                "--config-file=" + postgresqlConf, "-C", name), Map.of(), null, timeout);
        if (!r.ok()) {
            LOG.warn("cannot read {} with postgres -C: {}", name, r.output().strip());
            return null;
        }
        // the value is postgres' last line: run as the PostgreSQL OS user from a directory it cannot enter (a root
        // daemon's 0700 working directory), postgres first warns "could not change directory to ..." on stderr
        String[] lines = r.output().strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /**
     * {@code template} with PostgreSQL's placeholders filled as Patroni does for a command it runs itself:
     * {@code %p} the segment's path under {@code walDir}, {@code %f} its file name, {@code %r}
     * {@code 000000010000000000000001}, {@code %%} a percent sign; any other {@code %} stays as it is.
     */
    static String expand(String template, String walDir, String walFile) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '%' && i + 1 < template.length()) {
                char n = template.charAt(i + 1);
                String with = switch (n) {
                    case 'p' -> walDir + "/" + walFile;
                    case 'f' -> walFile;
                    case 'r' -> "000000010000000000000001";
                    case '%' -> "%";
                    default -> null;
                };
                if (with != null) {
                    out.append(with);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }
}
