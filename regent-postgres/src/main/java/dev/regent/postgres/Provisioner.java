package dev.regent.postgres;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data directory provisioning: initdb, pg_basebackup, pg_rewind, single-user crash recovery, moving and removing
 * the directory. Package-private helper of {@link Postgresql}, which serializes the calls.
 */
final class Provisioner {
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);
    /** Patroni's not_allowed_options for initdb. */
    static final Set<String> INITDB_FORBIDDEN = Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");
    /** Patroni's forbidden pg_basebackup options. */
    static final Set<String> BASEBACKUP_FORBIDDEN = Set.of("pgdata", "format", "wal-method", "xlog-method", "gzip",
            "version", "compress", "dbname", "host", "port", "username", "password");
    /** Patroni's forbidden pg_rewind options ({@code postgresql.rewind}): Regent sets these itself. */
    static final Set<String> REWIND_FORBIDDEN = Set.of("target-pgdata", "source-pgdata", "source-server",
            "write-recovery-conf", "dry-run", "restore-target-wal", "config-file", "no-ensure-shutdown", "version",
            "help");

    private final PgBinaries bin;
    private final CommandRunner runner;
    private final Path dataDir;
    private final Ticker ticker;
    private final Sleeper sleeper;

    Provisioner(PgBinaries bin, CommandRunner runner, Path dataDir, Ticker ticker, Sleeper sleeper) {
        this.bin = bin;
        this.runner = runner;
        this.dataDir = dataDir;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    boolean dataDirectoryEmpty() {
        if (!Files.isDirectory(dataDir)) {
            return true;
        }
        try (Stream<Path> s = Files.list(dataDir)) {
            // our own postmaster log alone does not make a cluster
            return s.allMatch(p -> p.getFileName().toString().equals("postmaster.log"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir, e);
        }
    }

    ControlData controlData() {
        String out = runner.check("pg_controldata", List.of(bin.path("pg_controldata"), dataDir.toString()),
                Map.of(), Duration.ofSeconds(30));
        return ControlData.parse(out);
    }

    void initdb(List<String> options, String superuser, String password, Duration timeout) {
        List<String> opts = checkOptions("initdb", options, INITDB_FORBIDDEN);
        if (!dataDirectoryEmpty()) {
            throw new PostgresException("initdb: data directory " + dataDir + " is not empty");
        }
        runner.ensureOwnedDirectory(dataDir);
        Path pwfile = null;
        try {
            List<String> cmd = new ArrayList<>(List.of(bin.path("initdb"), "--pgdata=" + dataDir));
            if (superuser != null) {
                cmd.add("--username=" + superuser);
            }
            if (password != null) {
                pwfile = Files.createTempFile("regent-pwfile", "");
                runner.writeOwnedFile(pwfile, password + "\n", PosixFilePermissions.fromString("rw-------"));
                cmd.add("--pwfile=" + pwfile);
            }
            cmd.addAll(opts);
            runner.check("initdb", cmd, Map.of(), timeout);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the initdb password file", e);
        } finally {
            deleteQuietly(pwfile);
        }
    }

    /** pg_basebackup with 2 attempts 5 s apart, wiping the data directory before each. */
    void basebackup(String dsn, List<String> options, Map<String, String> env, Duration timeout) {
        List<String> opts = checkOptions("basebackup", options, BASEBACKUP_FORBIDDEN);
        String lastError = null;
        for (int attempt = 1; attempt <= 2; attempt++) {
            wipe();
            runner.ensureOwnedDirectory(dataDir);
            List<String> cmd = new ArrayList<>(List.of(bin.path("pg_basebackup"), "--pgdata=" + dataDir,
                    "-X", "stream", "--dbname=" + dsn));
            cmd.addAll(opts);
            // pg_basebackup's default spread checkpoint waits for checkpoint_completion_target of a checkpoint
            // interval before copying anything; a new replica is worth an immediate checkpoint unless configured.
            if (opts.stream().noneMatch(o -> o.startsWith("--checkpoint") || o.equals("-c"))) {
                cmd.add("--checkpoint=fast");
            }
            var r = runner.run(cmd, env, null, timeout);
            if (r.ok()) {
                return;
            }
            lastError = "exit " + r.exitCode() + ": " + r.output().strip();
            LOG.warn("pg_basebackup attempt {} failed ({})", attempt, lastError);
            if (attempt == 1) {
                pause(Duration.ofSeconds(5));
            }
        }
        throw new PostgresException("pg_basebackup from '" + dsn + "' failed twice, last " + lastError);
    }

    private static final java.util.regex.Pattern LAST_GOOD_RECORD =
            java.util.regex.Pattern.compile("error in WAL record at ([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8})");

    /**
     * Where the last valid WAL record at or after {@code fromLsn} on {@code timeline} begins: pg_waldump reads the
     * stopped data directory's pg_wal from there until the first record that is not valid, as crash recovery does,
     * and names the last good one when it stops ("error in WAL record at X: ..."; ReadRecPtr). Null when pg_waldump is
     * missing, fails otherwise (a segment file missing, an option it does not know), or read no record at all.
     */
    Long lastWalRecord(int timeline, long fromLsn, Duration timeout) {
        String waldump = bin.path("pg_waldump");
        if (!Files.isExecutable(Path.of(waldump))) return null;
        Long end = endOfLastSegment(dataDir.resolve("pg_wal"), timeline);
        if (end == null || end <= fromLsn) return null;
        var r = runner.run(List.of(waldump, "--quiet", "--path=" + dataDir.resolve("pg_wal"),
                "--timeline=" + timeline, "--start=" + ControlData.formatLsn(fromLsn),
                "--end=" + ControlData.formatLsn(end)), Map.of(), null, timeout);
        if (r.ok()) return null;  // valid up to the end of the last segment file: where it ends is not known
        java.util.regex.Matcher m = LAST_GOOD_RECORD.matcher(r.output());
        if (!m.find()) return null;
        long lsn = ControlData.lsn(m.group(1));
        return lsn < fromLsn ? null : lsn;
    }

    /**
     * The end of the highest segment file of {@code timeline} in {@code pgWal} (file size = wal_segment_size), or null
     * when there is none. pg_waldump is given it as {@code --end}: asked for a segment file that does not exist, it
     * retries for seconds before it fails (a WAL that ends at a segment boundary cost 10 s per observation), and with
     * an end it never opens a file beyond it. Recycled segments (future names, old contents) stop it at their first
     * page, an invalid record like any other.
     */
    static Long endOfLastSegment(Path pgWal, int timeline) {
        String prefix = String.format("%08X", timeline);
        try (java.util.stream.Stream<Path> files = Files.list(pgWal)) {
            Path last = files.filter(f -> {
                String n = f.getFileName().toString();
                return n.length() == 24 && n.startsWith(prefix) && n.matches("[0-9A-F]{24}");
            }).max(java.util.Comparator.comparing(f -> f.getFileName().toString())).orElse(null);
            if (last == null) return null;
            long size = Files.size(last);
            if (size <= 0 || Long.bitCount(size) != 1) return null;  // not a whole segment (a partial file)
            return segmentEnd(last.getFileName().toString(), size);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /** The LSN where segment file {@code name} (TTTTTTTTXXXXXXXXYYYYYYYY) of {@code segmentSize} bytes ends. */
    static long segmentEnd(String name, long segmentSize) {
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        return (log << 32) + (seg + 1) * segmentSize;
    }

    /**
     * Single-user crash recovery ({@code postgres --single -D … <db> </dev/null}), leaving a cleanly shut down
     * cluster as pg_rewind requires. Recovery signal files are removed first (standby mode is refused in
     * single-user mode); the caller rewrites them.
     */
    void singleUserCrashRecovery(Path configFile, String database, Duration timeout) {
        deleteQuietly(dataDir.resolve("standby.signal"));
        deleteQuietly(dataDir.resolve("recovery.signal"));
        List<String> cmd = List.of(bin.path("postgres"), "--single", "-D", dataDir.toString(),
                "--config-file=" + configFile, "-c", "archive_mode=off", database);
        var r = runner.run(cmd, Map.of(), "", timeout);
        if (!r.ok()) {
            throw new PostgresException("single-user crash recovery failed (exit " + r.exitCode() + "): "
                    + r.output().strip());
        }
    }

    /**
     * pg_rewind from {@code dsn} with {@code extraOptions} ({@code postgresql.rewind}, checked against
     * {@link #REWIND_FORBIDDEN}) after Regent's own, preserving the config files {@code preserved} of the data
     * directory (pg_rewind copies the source's).
     */
    void rewind(String dsn, List<String> extraOptions, List<String> preserved, Map<String, String> env,
                Duration timeout) {
        List<String> extra = checkOptions("rewind", extraOptions, REWIND_FORBIDDEN);
        Map<String, byte[]> saved = saveFiles(preserved);
        try {
            List<String> cmd = new ArrayList<>(List.of(bin.path("pg_rewind"), "-D", dataDir.toString(),
                    "--source-server=" + dsn));
            cmd.addAll(extra);
            Map<String, String> e = new LinkedHashMap<>(env);
            e.put("PGOPTIONS", "-c statement_timeout=0");
            runner.check("pg_rewind", cmd, e, timeout);
        } finally {
            restoreFiles(saved);
        }
    }

    private Map<String, byte[]> saveFiles(List<String> preserved) {
        Map<String, byte[]> saved = new LinkedHashMap<>();
        for (String f : preserved) {
            try {
                if (Files.exists(dataDir.resolve(f))) {
                    saved.put(f, Files.readAllBytes(dataDir.resolve(f)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot back up " + f, e);
            }
        }
        return saved;
    }

    private void restoreFiles(Map<String, byte[]> saved) {
        saved.forEach((f, bytes) -> {
            try {
                Files.write(dataDir.resolve(f), bytes);
                runner.chownRecursively(dataDir.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restore " + f + " after pg_rewind", e);
            }
        });
    }

    /** Renames the data directory to {@code <data_dir>.failed} (with a timestamp when that exists). */
    Path moveAside() {
        if (!Files.exists(dataDir)) {
            return null;
        }
        Path target = dataDir.resolveSibling(dataDir.getFileName() + ".failed");
        if (Files.exists(target)) {
            String ts = LocalDateTime.ofInstant(ticker.wallInstant(), ZoneId.systemDefault())
                    .format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss"));
            target = dataDir.resolveSibling(dataDir.getFileName() + ".failed_" + ts);
        }
        try {
            Files.move(dataDir, target);
            LOG.info("moved data directory {} to {}", dataDir, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + dataDir + " to " + target, e);
        }
    }

    /** Deletes the data directory tree (missing is fine). */
    void wipe() {
        if (!Files.exists(dataDir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove data directory " + dataDir, e);
        }
    }

    /** Validates {@code --opt[=v]} options (a missing {@code --} is added) against a forbidden set. */
    static List<String> checkOptions(String what, List<String> options, Set<String> forbidden) {
        List<String> out = new ArrayList<>();
        for (String o : options == null ? List.<String>of() : options) {
            String opt = o.startsWith("--") ? o : "--" + o;
            String name = opt.substring(2).split("=", 2)[0];
            if (forbidden.contains(name)) {
                throw new PostgresException(what + " option '" + o + "' is not allowed (forbidden: "
                        + new java.util.TreeSet<>(forbidden) + ")");
            }
            out.add(opt);
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            if (p != null) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.getMessage());
        }
    }

    private void pause(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted");
        }
    }
}
