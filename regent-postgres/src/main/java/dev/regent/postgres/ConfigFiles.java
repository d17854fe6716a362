package dev.regent.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;

/**
 * Writes the files Patroni manages in config_dir / data_dir (§1.12) and the pgpass file. Package-private helper of
 * {@link Postgresql}; not thread-safe on its own.
 */
final class ConfigFiles {
    /** The name initdb gives the configuration file in the data directory. */
    private static final String INITDB_CONF = "postgresql.conf";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfigFiles.class);

    private final PostgresqlConfig cfg;
    private final Path dataDir;
    private final Path configDir;
    private final Path pgpass;
    private final CommandRunner runner;
    /** The effective postgresql.pg_hba / pg_ident (local, else from the dynamic configuration), null when none. */
    private volatile List<String> pgHba;
    private volatile List<String> pgIdent;

    ConfigFiles(PostgresqlConfig cfg, Path dataDir, Path configDir, Path pgpass, CommandRunner runner) {
        this.cfg = cfg;
        this.dataDir = dataDir;
        this.configDir = configDir;
        this.pgpass = pgpass;
        this.runner = runner;
        this.pgHba = cfg.pgHba();
        this.pgIdent = cfg.pgIdent();
    }

    /** Sets the effective pg_hba and pg_ident lines (null: none configured). Written by the next {@link #write}. */
    void setLines(List<String> hba, List<String> ident) {
        pgHba = hba == null ? null : List.copyOf(hba);
        pgIdent = ident == null ? null : List.copyOf(ident);
    }

    /** The effective pg_hba lines, or null when neither the local nor the dynamic configuration has them. */
    List<String> pgHba() {
        return pgHba;
    }

    /** {@code <config_base_name>.conf} in config_dir: the file Regent writes and postgres starts with. */
    Path postgresqlConf() {
        return configDir.resolve(cfg.extras().configBaseName() + ".conf");
    }

    /** {@code <config_base_name>.base.conf}: where the original configuration is kept. */
    String baseConfName() {
        return cfg.extras().configBaseName() + ".base.conf";
    }

    /**
     * The file postgresql.conf includes: {@code custom_conf} when configured (as given: a relative name is read
     * relative to config_dir by postgres), else {@link #baseConfName()}.
     */
    String include() {
        String custom = cfg.extras().customConf();
        return custom != null && !custom.isBlank() ? custom : baseConfName();
    }

    /**
     * The names of the configuration files in config_dir that pg_rewind would replace with the source's (Patroni's
     * _configuration_to_save): {@code <base>.conf}, {@code <base>.base.conf} unless custom_conf replaces it,
     * pg_hba.conf and pg_ident.conf.
     */
    List<String> preservedAcrossRewind() {
        List<String> out = new java.util.ArrayList<>(List.of(postgresqlConf().getFileName().toString()));
        if (include().equals(baseConfName())) out.add(baseConfName());
        out.add("pg_hba.conf");
        out.add("pg_ident.conf");
        return out;
    }

    /**
     * Renames the original {@code <config_base_name>.conf} to {@code <config_base_name>.base.conf} once (see
     * {@link #ensureBaseConf}; not when {@code custom_conf} is included instead), writes
     * {@code <config_base_name>.conf}, pg_hba/pg_ident when configured, and the recovery settings where
     * {@code version} reads them: on 12+ the {@code # recovery.conf} block of postgresql.conf plus standby.signal (or
     * recovery.signal), with recovery GUCs stripped from postgresql.auto.conf; before 12 recovery.conf. A primary
     * ({@code recovery == null}) gets none of them (recovery.conf and both signal files are removed).
     */
    void write(Map<String, String> serverParameters, ConfigRenderer.RecoveryLayout recovery, int version) {
        write(serverParameters, recovery, version, false);
    }

    /**
     * As {@link #write(Map, ConfigRenderer.RecoveryLayout, int)}; with {@code keepToolRecovery} (a custom bootstrap
     * with {@code keep_existing_recovery_conf}) the signal files, recovery.conf and postgresql.auto.conf that the
     * restore tool wrote are left as they are.
     */
    void write(Map<String, String> serverParameters, ConfigRenderer.RecoveryLayout recovery, int version,
               boolean keepToolRecovery) {
        if (include().equals(baseConfName())) {
            ensureBaseConf();
        } else {
            warnIfMissing(include());
        }
        Map<String, String> block = recovery == null ? Map.of() : recovery.confBlock();
        writeOwned(postgresqlConf(), ConfigRenderer.postgresqlConf(include(), serverParameters,
                configDir.toString(), block));
        List<String> hba = pgHba;
        List<String> ident = pgIdent;
        if (hba != null && !hba.isEmpty() && !serverParameters.containsKey("hba_file")) {
            writeOwned(configDir.resolve("pg_hba.conf"), ConfigRenderer.linesFile(hba));
        }
        if (ident != null && !ident.isEmpty() && !serverParameters.containsKey("ident_file")) {
            writeOwned(configDir.resolve("pg_ident.conf"), ConfigRenderer.linesFile(ident));
        }
        if (keepToolRecovery) {
            return;
        }
        try {
            for (String f : List.of("recovery.conf", "standby.signal", "recovery.signal")) {
                boolean wanted = recovery != null && (f.equals(recovery.signalFile())
                        || (f.equals("recovery.conf") && recovery.recoveryConf() != null));
                if (!wanted) {
                    Files.deleteIfExists(dataDir.resolve(f));
                }
            }
            if (recovery != null && recovery.signalFile() != null) {
                writeOwned(dataDir.resolve(recovery.signalFile()), "");
            }
            if (recovery != null && recovery.recoveryConf() != null) {
                writeOwned(dataDir.resolve("recovery.conf"), recovery.recoveryConf());
            }
            Path auto = dataDir.resolve("postgresql.auto.conf");
            if (version >= 120000 && Files.exists(auto)) {
                String stripped = ConfigRenderer.withoutRecoveryGucs(Files.readString(auto));
                if (stripped != null) {
                    writeOwned(auto, stripped);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update recovery files in " + dataDir, e);
        }
    }

    /**
     * Keeps the original configuration as {@code <base>.base.conf} once: {@code <base>.conf} renamed (Patroni's
     * write_postgresql_conf); without one, initdb's postgresql.conf of the data directory copied (Patroni would fail
     * here when config_base_name is not {@code postgresql} or config_dir is elsewhere); else an empty file.
     */
    private void ensureBaseConf() {
        Path base = configDir.resolve(baseConfName());
        if (Files.exists(base)) {
            return;
        }
        try {
            Files.createDirectories(configDir);
            if (Files.exists(postgresqlConf())) {
                Files.move(postgresqlConf(), base, StandardCopyOption.ATOMIC_MOVE);
            } else if (Files.exists(dataDir.resolve(INITDB_CONF))) {
                Files.copy(dataDir.resolve(INITDB_CONF), base);
                runner.chownRecursively(base);
            } else {
                writeOwned(base, "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + base, e);
        }
    }

    /** custom_conf is the user's own file: a missing one is named once per write, as postgres will not start. */
    private void warnIfMissing(String include) {
        Path file = configDir.resolve(include);
        if (!Files.exists(file)) {
            LOG.warn("postgresql.custom_conf {} does not exist: postgres cannot read its configuration", file);
        }
    }

    /** The content of pg_hba.conf in config_dir, or null when there is none. */
    String readPgHba() {
        Path hba = configDir.resolve("pg_hba.conf");
        try {
            return Files.exists(hba) ? Files.readString(hba) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + hba, e);
        }
    }

    /** Replaces pg_hba.conf in config_dir with {@code content}. */
    void writePgHba(String content) {
        writeOwned(configDir.resolve("pg_hba.conf"), content);
    }

    /** Appends lines to pg_hba.conf in config_dir (bootstrap.pg_hba after initdb). */
    void appendPgHba(List<String> lines) {
        Path hba = configDir.resolve("pg_hba.conf");
        try {
            String old = Files.exists(hba) ? Files.readString(hba) : "";
            String sep = old.isEmpty() || old.endsWith("\n") ? "" : "\n";
            writeOwned(hba, old + sep + String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + hba, e);
        }
    }

    /**
     * Rewrites pgpass with one line per credential in {@code users} for {@code host:port} (mode 0600, owned by the
     * PostgreSQL OS user, since walreceiver reads it through primary_conninfo's passfile).
     */
    void writePgpass(String host, int port, List<PgUser> users) {
        writePgpass(PgHosts.of(host, port), users);
    }

    /** {@link #writePgpass(String, int, List)} with lines for every server of {@code hosts}. */
    void writePgpass(PgHosts hosts, List<PgUser> users) {
        runner.writeOwnedFile(pgpass, ConfigRenderer.pgpass(hosts.pgpassServers(), users),
                PosixFilePermissions.fromString("rw-------"));
    }

    private void writeOwned(Path file, String content) {
        runner.writeOwnedFile(file, content, PosixFilePermissions.fromString("rw-------"));
    }
}
