package dev.regent.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Locates the PostgreSQL binaries: {@code bin_dir} when configured, else {@code pg_config --bindir}, else the PATH.
 * {@code bin_name} overrides the file name of each binary. Immutable and thread-safe; {@link #version()} runs
 * {@code postgres --version} once (blocking) and caches the result.
 */
public final class PgBinaries {
    /** Binaries Patroni lets {@code bin_name} override. */
    public static final List<String> NAMES =
            List.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup", "postgres", "pg_isready", "pg_rewind");
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

    private static final Map<String, GucCatalogue> CATALOGUES = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path binDir;
    private final Map<String, String> binName;
    private volatile Integer version;

    /**
     * @param binDir  configured {@code bin_dir}, or null/blank to ask {@code pg_config --bindir}, then the PATH
     * @param binName {@code bin_name} overrides (binary -> file name), may be null
     */
    public PgBinaries(String binDir, Map<String, String> binName) {
        this.binDir = binDir == null || binDir.isBlank() ? discoverBinDir() : Path.of(binDir);
        this.binName = binName == null ? Map.of() : Map.copyOf(binName);
    }

    /** The directory used, or null when binaries are looked up on the PATH. */
    public Path binDir() {
        return binDir;
    }

    /** Full path (or bare name for PATH lookup) of a binary, e.g. {@code path("pg_ctl")}. */
    public String path(String binary) {
        String name = binName.getOrDefault(binary, binary);
        if (binDir == null || name.contains("/")) {
            return name;
        }
        return binDir.resolve(name).toString();
    }

    /** server_version_num-like version (e.g. 150008, or 90624 for 9.6.24) from {@code postgres --version}. */
    public int version() {
        Integer v = version;
        if (v == null) {
            var r = new CommandRunner().runAsSelf(List.of(path("postgres"), "--version"), Map.of(), null,
                    Duration.ofSeconds(30));
            if (!r.ok()) {
                throw new PostgresException("'" + path("postgres") + " --version' failed: " + r.output().strip());
            }
            v = parseVersion(r.output());
            version = v;
        }
        return v;
    }

    /**
     * The GUCs this postgres binary accepts ({@code postgres --describe-config}, run once per binary file and
     * version, blocking up to 30 s, then cached for the JVM).
     */
    public GucCatalogue catalogue() {
        String postgres = path("postgres");
        int v = version();
        return CATALOGUES.computeIfAbsent(postgres + "@" + v, k -> {
            var r = new CommandRunner().runAsSelf(List.of(postgres, "--describe-config"), Map.of(), null,
                    Duration.ofSeconds(30));
            if (!r.ok()) {
                throw new PostgresException("'" + postgres + " --describe-config' failed: " + r.output().strip());
            }
            return GucCatalogue.parse(v, r.output());
        });
    }

    /** Parses {@code postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)} into 150008. */
    static int parseVersion(String output) {
        String s = output.contains(")") ? output.substring(output.indexOf(')') + 1) : output;
        Matcher m = VERSION.matcher(s);
        if (!m.find()) {
            throw new PostgresException("cannot parse PostgreSQL version from: " + output.strip());
        }
        int major = Integer.parseInt(m.group(1));
        int minor = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        if (major >= 10) {
            return major * 10000 + minor;
        }
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return major * 10000 + minor * 100 + patch;
    }

    private static Path discoverBinDir() {
        try {
            var r = new CommandRunner().runAsSelf(List.of("pg_config", "--bindir"), Map.of(), null,
                    Duration.ofSeconds(10));
            if (r.ok()) {
                Path dir = Path.of(r.output().strip());
                if (Files.isDirectory(dir)) {
                    return dir;
                }
            }
        } catch (PostgresException e) {
            // pg_config is not installed: fall back to the PATH, as Patroni does
        }
        return null;
    }
}
