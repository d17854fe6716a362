package dev.regent.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.LocalPostgres.ProcessState;
import dev.regent.core.method.CustomBootstrap;
import dev.regent.core.method.ReplicaMethods;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;

/**
 * The local PostgreSQL of one member, as the HA daemon drives it. Thread-safety: every method that changes the
 * process or the data directory (initdb, writeConfig, start, stop, restart, promote, basebackup, rewind, move/remove)
 * holds one lifecycle lock, so they never overlap; observers ({@link #isRunning}, {@link #processState},
 * {@link #status}, {@link #controlData}) take no lock and may run concurrently with them. All methods block the caller
 * for the duration stated; failures are {@link PostgresException}s naming the command and its output.
 */
public final class Postgresql extends PostgresqlSql {
    private static final Logger LOG = LoggerFactory.getLogger(Postgresql.class);

    /** The connection settings are replaced by {@link #reloadConnectionSettings}; the rest stays as started. */
    private volatile PostgresqlConfig cfg;
    private final String scope;
    private final String name;
    private final PgBinaries bin;
    private final Path dataDir;
    private final Path configDir;
    private final Path pgpass;
    private final Postmaster postmaster;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final Provisioner provisioner;
    private final MethodCommand methodCommand;
    private final ReplicaCreation replicaCreation;
    private final ConfigFiles files;
    private final Object lifecycle = new Object();
    private volatile Map<String, Object> dynamicParameters = Map.of();
    private volatile Boolean dynamicUsePgRewind;
    private volatile Map<String, Object> effectiveRecoveryConf;
    private volatile String followedConnUrl;
    /** While a custom bootstrap runs: server parameters Patroni overrides for its recovery (hot_standby). */
    private volatile Map<String, String> bootstrapOverrides = Map.of();
    /** While a custom bootstrap runs: the pg_hba.conf to put back after the roles were set. */
    private volatile String savedPgHba;
    private volatile CustomBootstrap customBootstrap;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    /** pg_waldump's answers for {@link #lastWalRecordAfterCrash}, read once per state of the WAL. */
    private final LastWalRecordCache lastWalRecords;

    /**
     * Resolves the binaries (may run {@code pg_config --bindir}, blocking briefly); does not touch the server.
     *
     * @param cfg    the {@code postgresql} section
     * @param scope  cluster name (becomes {@code cluster_name})
     * @param name   member name (application_name in primary_conninfo)
     */
    private volatile String managedSyncStandbyNames;

    public Postgresql(PostgresqlConfig cfg, String scope, String name) {
        this(cfg, scope, name, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As above, waiting for start, stop and promotion on {@code ticker} and {@code sleeper}. */
    public Postgresql(PostgresqlConfig cfg, String scope, String name, Ticker ticker, Sleeper sleeper) {
        this(cfg, scope, name, new CommandRunner(), ticker, sleeper);
    }

    Postgresql(PostgresqlConfig cfg, String scope, String name, CommandRunner runner) {
        this(cfg, scope, name, runner, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    Postgresql(PostgresqlConfig cfg, String scope, String name, CommandRunner runner, Ticker ticker,
               Sleeper sleeper) {
        super(cfg, runner, Listen.parse(cfg.listen()));
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.cfg = cfg;
        this.scope = scope;
        this.name = name;
        this.bin = new PgBinaries(cfg.binDir(), cfg.binName());
        this.dataDir = Path.of(cfg.dataDir()).toAbsolutePath();
        this.configDir = cfg.configDir() == null ? dataDir : Path.of(cfg.configDir()).toAbsolutePath();
        this.pgpass = cfg.pgpass() != null ? Path.of(cfg.pgpass()).toAbsolutePath()
                : Path.of(System.getProperty("user.home"), "pgpass");
        this.postmaster = new Postmaster(dataDir, runner, ticker, sleeper);
        this.provisioner = new Provisioner(bin, runner, dataDir, ticker, sleeper);
        this.methodCommand = new MethodCommand(runner, dataDir);
        this.replicaCreation = new ReplicaCreation(provisioner, methodCommand);
        this.files = new ConfigFiles(cfg, dataDir, configDir, pgpass, runner);
        this.lastWalRecords = new LastWalRecordCache(dataDir);
    }

    public PgBinaries binaries() { return bin; }

    /** The {@code postgresql} section in force (connection settings as last reloaded). */
    public PostgresqlConfig config() { return cfg; }

    /**
     * Applies the connection settings of a reloaded {@code postgresql} section, as Patroni's reload does (see
     * {@link PostgresqlConfig#withConnectionSettingsOf}): the daemon's own connections log in as the new superuser
     * from their next connect on; the next {@link #writeConfig} of a replica renders {@code primary_conninfo} (and
     * the pgpass file) for the new replication user; pg_basebackup, pg_rewind and the rewind source check use them
     * from their next run. Does not touch the server.
     *
     * @return the changed settings, by key ({@code authentication.superuser}, ...), empty when none changed
     */
    public List<String> reloadConnectionSettings(PostgresqlConfig reloaded) {
        PostgresqlConfig before = cfg;
        PostgresqlConfig after = before.withConnectionSettingsOf(reloaded);
        List<String> changed = new java.util.ArrayList<>();
        if (!java.util.Objects.equals(before.superuser(), after.superuser())) changed.add("authentication.superuser");
        if (!java.util.Objects.equals(before.replication(), after.replication())) changed.add("authentication.replication");
        if (!java.util.Objects.equals(before.rewind(), after.rewind())) changed.add("authentication.rewind");
        if (!java.util.Objects.equals(before.extras(), after.extras())) changed.add("krbsrvname/rewind");
        if (changed.isEmpty()) return changed;
        cfg = after;
        reloadLogin(after);
        return changed;
    }

    public Path dataDir() { return dataDir; }

    public Path configDir() { return configDir; }

    /** {@code postgres://<connect_address>/<database>}, the conn_url this member publishes. */
    public String connUrl() {
        return "postgres://" + cfg.connectAddress() + "/" + database();
    }

    /**
     * {@code postgres://<proxy_address>/<database>}, published as the member key's {@code proxy_url} (Patroni's
     * resolve_connection_addresses), or null when {@code postgresql.proxy_address} is not set.
     */
    public String proxyUrl() {
        String proxy = cfg.extras().proxyAddress();
        return proxy == null || proxy.isBlank() ? null : "postgres://" + proxy + "/" + database();
    }

    /** Sets the dynamic-config {@code postgresql.parameters} (merged under local ones by the next writeConfig). */
    public void setDynamicParameters(Map<String, Object> parameters) {
        dynamicParameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }

    /**
     * Sets the effective {@code postgresql.recovery_conf} (local over dynamic, as Patroni merges the dynamic
     * {@code postgresql} section); null: the local one alone.
     */
    public void setRecoveryConf(Map<String, Object> recoveryConf) {
        effectiveRecoveryConf = recoveryConf == null ? null : Map.copyOf(recoveryConf);
    }

    /**
     * Sets the effective {@code postgresql.pg_hba} and {@code pg_ident} (local over dynamic, as Patroni merges the
     * dynamic {@code postgresql} section, e.g. Debian's template puts pg_hba into {@code bootstrap.dcs}); null: none.
     * Written by the next {@link #writeConfig}.
     */
    public void setPgHbaAndIdent(List<String> pgHba, List<String> pgIdent) {
        files.setLines(pgHba, pgIdent);
    }

    /** True when pg_hba lines are configured (locally or dynamically): bootstrap.pg_hba is then not appended. */
    public boolean pgHbaConfigured() {
        List<String> hba = files.pgHba();
        return hba != null && !hba.isEmpty();
    }

    /**
     * Sets the {@code synchronous_standby_names} Regent manages in synchronous mode ("" for empty), written over the
     * configured value by the next {@link #writeConfig}; null: the configured value (from {@code parameters}) again.
     */
    public void setManagedSyncStandbyNames(String value) {
        managedSyncStandbyNames = value;
    }

    /**
     * Waits until the running server reports {@code synchronous_standby_names = expected} (after a reload), checking
     * every 20 ms for up to {@code timeout}; returns the last value it reported.
     */
    public String awaitSyncStandbyNames(String expected, Duration timeout) throws InterruptedException {
        long deadline = ticker.nanoTime() + timeout.toNanos();
        String shown = connection().queryStrings("SHOW synchronous_standby_names").get(0);
        while (!expected.equals(shown) && ticker.nanoTime() < deadline) {
            sleeper.sleep(Duration.ofMillis(20));
            shown = connection().queryStrings("SHOW synchronous_standby_names").get(0);
        }
        return shown;
    }

    /** The value set by {@link #setManagedSyncStandbyNames}, or null. */
    public String managedSyncStandbyNames() {
        return managedSyncStandbyNames;
    }

    /** Sets the dynamic-config {@code use_pg_rewind} (null: use the local value). */
    public void setDynamicUsePgRewind(Boolean use) {
        dynamicUsePgRewind = use;
    }

    // ---- observation (no lock) ----

    /** True when the data directory is missing or holds nothing but our postmaster log. Reads the directory. */
    public boolean dataDirectoryEmpty() { return provisioner.dataDirectoryEmpty(); }

    /** Runs pg_controldata (blocks up to 30 s). */
    public ControlData controlData() { return provisioner.controlData(); }

    /** True when postmaster.pid names a live process. Reads a file, no I/O to the server. */
    public boolean isRunning() { return postmaster.pid().isPresent(); }

    /** The postmaster pid, if running. */
    public Optional<Long> postmasterPid() { return postmaster.pid(); }

    /**
     * What a live postmaster wrote into postmaster.pid: "starting", "ready" (accepts read-write connections),
     * "standby" (a hot standby accepting read-only ones) or "stopping"; "" when none runs. Reads a file only.
     */
    public String postmasterStatus() { return postmaster.pid().isPresent() ? postmaster.pmStatus() : ""; }

    /** STOPPED, STARTING (alive, not accepting connections) or RUNNING (postmaster.pid says ready/standby). */
    public ProcessState processState() {
        if (postmaster.pid().isEmpty()) {
            return ProcessState.STOPPED;
        }
        return postmaster.acceptsConnections() ? ProcessState.RUNNING : ProcessState.STARTING;
    }

    /**
     * The process state after a query failed on a postmaster that looked alive: STOPPED when it is gone within
     * {@code grace} (killed while being observed: a SIGKILLed postmaster takes a moment to exit and be reaped), else
     * STARTING. Taking a dying postmaster for a starting one sent the leader down the start-timeout path (a needless
     * failover) instead of restarting it in place.
     */
    public ProcessState processStateAfterFailedQuery(Duration grace) {
        return postmaster.awaitGone(grace) ? ProcessState.STOPPED : processState();
    }

    /** The conn_url passed to the last writeConfig(REPLICA, …) by this object, null otherwise. */
    public String followedConnUrl() { return followedConnUrl; }

    /**
     * One observation for the HA input: process state, data directory, and when running the status query, else
     * pg_controldata. SQL or controldata failures leave those fields unknown instead of throwing.
     * {@code followedMember} is left null (the daemon maps {@link #followedConnUrl()} to a member).
     */
    public LocalPostgres observe() {
        ProcessState ps = processState();
        boolean empty = dataDirectoryEmpty();
        if (ps == ProcessState.RUNNING) {
            try {
                PgStatus s = status();
                int timeline = timelineOf(s);
                return new LocalPostgres(ps, false, s.systemIdentifier(), s.inRecovery(), null, timeline,
                        s.walPosition(), s.receiveLsn(), s.replayLsn(), s.replicationState(), null,
                        s.primarySlotName() == null || s.primarySlotName().isEmpty() ? null : s.primarySlotName(),
                        s.serverVersion(), s.postmasterStartTime() == null ? null : s.postmasterStartTime().toInstant(),
                        s.pendingRestartReasonMap())
                        .withTimelineStartLsn(Boolean.TRUE.equals(s.inRecovery())
                                ? TimelineHistoryFile.startOf(dataDir, timeline) : null);
            } catch (PostgresException e) {
                LOG.warn("status query failed: {}", e.getMessage());
            }
        }
        if (empty) {
            return new LocalPostgres(ps, true, null, null, null, 0, 0, null, null, null, null, null);
        }
        try {
            ControlData cd = controlData();
            Boolean inRecovery = ps == ProcessState.RUNNING ? null
                    : cd.clusterState() != null && cd.clusterState().contains("recovery")
                    && !"in crash recovery".equals(cd.clusterState());
            return new LocalPostgres(ps, false, cd.systemIdentifier(), inRecovery, cd.clusterState(), cd.timeline(),
                    cd.checkpointLocation(), null, null, null, null, null);
        } catch (PostgresException e) {
            LOG.warn("pg_controldata failed: {}", e.getMessage());
            return new LocalPostgres(ps, false, null, null, null, 0, 0, null, null, null, null, null);
        }
    }

    /**
     * The timeline of a status: a primary's and a streaming standby's as the query read them; a standby that does not
     * stream, the one it replays from {@code IDENTIFY_SYSTEM} (as Patroni's {@code get_replica_timeline}): the query
     * can only give it pg_control's checkpoint timeline, which lags a timeline switch until the next restartpoint, and
     * a replica past the switch point would then look as if it replayed past the fork on its old timeline. 0 (unknown,
     * as Patroni publishes none) when the replication connection fails: pg_hba must allow it for the replication user.
     */
    public int timelineOf(PgStatus s) {
        if (!s.inRecovery() || "streaming".equals(s.replicationState())) return s.timeline();
        try {
            return PgConnection.identifySystemTimeline(listen.localHost(), listen.port(), cfg.replication().username(),
                    cfg.replication().password(), ConnInfo.userOptions(cfg.replication()), 3);
        } catch (PostgresException e) {
            if (reported.add("IDENTIFY_SYSTEM " + e.getMessage())) {
                LOG.warn("cannot read the replay timeline of the local standby (timeline unknown): {}", e.getMessage());
            }
            return 0;
        }
    }

    /** The postmaster's log file (stdout/stderr of the server). */
    public Path postmasterLog() { return postmaster.logFile(); }

    // ---- data directory ----

    /**
     * Runs initdb into the (empty) data directory with the superuser from config and its password through
     * {@code --pwfile}. Options are {@code --opt[=v]}; pgdata, nosync, pwfile, sync-only, version are rejected.
     * Blocks up to pg_ctl_timeout × 5.
     */
    public void initdb(List<String> options, String superuserPassword) {
        synchronized (lifecycle) {
            String su = cfg.superuser() == null ? null : cfg.superuser().username();
            provisioner.initdb(options, su, superuserPassword, timeout().multipliedBy(5));
        }
    }

    /** Appends lines to pg_hba.conf in config_dir (bootstrap.pg_hba). */
    public void appendPgHba(List<String> lines) {
        synchronized (lifecycle) {
            files.appendPgHba(lines);
        }
    }

    /**
     * Writes postgresql.conf (renaming the original to postgresql.base.conf once), pg_hba/pg_ident when configured,
     * and a replica's recovery settings where the server version reads them (12+: postgresql.conf plus
     * standby.signal; before 12: recovery.conf; removed for a primary). Parameters are translated and validated for
     * the server version first (see {@link #serverParameters}). A replica following {@code followConnUrl}
     * ({@code postgres://host:port/db}, or a standby leader's {@code postgres://h1:port,h2:port/db}; null: no
     * primary_conninfo) gets primary_conninfo with the replication user and pgpass as passfile (pgpass is rewritten
     * for those hosts; several hosts with a slot add {@code target_session_attrs=read-write}, as Patroni), {@code
     * slotName} as primary_slot_name (null: none) and recovery_target_timeline=latest. Takes effect at the next start, or for most settings at {@link #reload}.
     */
    public void writeConfig(Role role, String followConnUrl, String slotName) {
        writeConfig(role, followConnUrl, slotName, Map.of());
    }

    /**
     * {@link #writeConfig(Role, String, String)} for a member of a standby cluster: {@code standbyRecovery} (its
     * {@code restore_command}, {@code archive_cleanup_command}, and on the standby leader
     * {@code recovery_min_apply_delay}) override the configured recovery settings of a replica, as Patroni's
     * build_recovery_params lets the standby_cluster section win.
     */
    public void writeConfig(Role role, String followConnUrl, String slotName, Map<String, String> standbyRecovery) {
        synchronized (lifecycle) {
            String conninfo = null;
            int version = bin.version();
            if (role == Role.REPLICA && followConnUrl != null) {
                PgHosts hosts = PgHosts.parse(followConnUrl);
                files.writePgpass(hosts, List.of(cfg.replication()));
                // Patroni's build_recovery_params: a standby leader given several remote hosts and streaming through
                // a slot must reach the remote primary (the slot is there), so libpq skips the hosts in recovery;
                // without a slot any of them will do, a remote replica cascades as well
                String targetSessionAttrs = hosts.several() && slotName != null && version >= 100000
                        ? "read-write" : null;
                conninfo = ConfigRenderer.primaryConninfo(hosts.hosts(), hosts.ports(), targetSessionAttrs,
                        cfg.replication(), pgpass.toString(), name, cfg.extras().krbsrvname(), version);
            }
            Checked checked = checkedParameters();
            ConfigRenderer.RecoveryLayout recovery = null;
            if (role == Role.REPLICA) {
                Map<String, String> wanted = ConfigRenderer.recoveryParameters(conninfo, slotName,
                        checked.recoveryConf(), version);
                wanted.putAll(standbyRecovery);
                Map<String, ParameterValidator.Sourced> toCheck = new LinkedHashMap<>();
                wanted.forEach((k, v) -> toCheck.put(k, new ParameterValidator.Sourced(v, checked.recoverySource())));
                // primary_conninfo is Regent's own and standby_mode is no GUC since 12: neither is validated
                String pc = wanted.get("primary_conninfo");
                String sm = wanted.get("standby_mode");
                toCheck.remove("primary_conninfo");
                toCheck.remove("standby_mode");
                ParameterValidator.Result r = validator().recovery(toCheck);
                report(r.findings());
                Map<String, String> kept = new LinkedHashMap<>(r.kept());
                if (pc != null) {
                    kept.put("primary_conninfo", pc);
                }
                kept.put("standby_mode", sm);
                recovery = ConfigRenderer.recoveryLayout(kept, version);
            }
            Map<String, String> params = serverParameters(role, checked);
            files.write(params, recovery, version);
            resolveLocalConnection(params);
            followedConnUrl = role == Role.REPLICA ? followConnUrl : null;
        }
    }

    /**
     * The server parameters for {@code role}: dynamic merged with local parameters, translated and validated for the
     * server version (dropped or clamped ones logged once as WARNING), protected GUCs validated. On a replica the
     * GUCs that must not be lower than on the primary are raised to the pg_controldata values.
     */
    public Map<String, String> serverParameters(Role role) {
        return serverParameters(role, checkedParameters());
    }

    private Map<String, String> serverParameters(Role role, Checked checked) {
        Map<String, String> params = ConfigRenderer.serverParameters(checked.parameters(), scope, listen,
                bin.version());
        String managed = managedSyncStandbyNames;
        if (managed != null) params.put("synchronous_standby_names", managed);
        params.putAll(bootstrapOverrides);
        if (role == Role.REPLICA && !dataDirectoryEmpty()) {
            ControlData cd = controlData();
            for (String guc : List.of("max_connections", "max_prepared_transactions", "max_locks_per_transaction",
                    "max_worker_processes", "max_wal_senders")) {
                Integer primaryValue = cd.intSetting(guc);
                if (primaryValue != null && primaryValue > Integer.parseInt(params.get(guc))) {
                    params.put(guc, primaryValue.toString());
                }
            }
        }
        return params;
    }

    /** Parameters after version translation and validation, and the recovery settings with their source. */
    private record Checked(Map<String, Object> parameters, Map<String, Object> recoveryConf, String recoverySource) {}

    private static final String LOCAL = "local configuration postgresql.parameters";
    private static final String DYNAMIC = "dynamic configuration (/config) postgresql.parameters";

    private Checked checkedParameters() {
        int version = bin.version();
        Map<String, Object> merged = new LinkedHashMap<>(dynamicParameters);
        Map<String, String> sources = new HashMap<>();
        dynamicParameters.keySet().forEach(k -> sources.put(k, DYNAMIC));
        if (cfg.parameters() != null) {
            cfg.parameters().forEach((k, v) -> {
                if (!ConfigRenderer.protectedNames().contains(k)) {
                    merged.put(k, v);
                    sources.put(k, LOCAL);
                }
            });
        }
        // Recovery GUCs among the parameters replace recovery_conf, as Patroni's _adjust_recovery_parameters does
        Map<String, Object> recoveryConf = new LinkedHashMap<>();
        String recoverySource = "configuration postgresql.recovery_conf";
        for (var it = merged.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (PatroniGucTable.get().isRecoveryParameter(e.getKey())) {
                recoveryConf.put(e.getKey(), e.getValue());
                recoverySource = sources.get(e.getKey());
                it.remove();
            }
        }
        Map<String, Object> configured = effectiveRecoveryConf != null ? effectiveRecoveryConf : cfg.recoveryConf();
        if (recoveryConf.isEmpty() && configured != null) {
            configured.forEach((k, v) -> {
                if (v != null) {
                    recoveryConf.put(k, v);
                }
            });
            recoverySource = "configuration postgresql.recovery_conf";
        }
        Object segments = merged.get("wal_keep_segments");
        if (version >= 130000 && segments != null && !merged.containsKey("wal_keep_size")
                && GucValues.parseNumber(ConfigRenderer.gucValue(segments), null, true).isEmpty()) {
            report(List.of(new ParameterValidator.Finding("wal_keep_segments", segments,
                    sources.get("wal_keep_segments"), "Value=" + segments + " of parameter=wal_keep_segments is not "
                    + "a number of segments; wal_keep_size takes the default of 8 segments (128MB)", true)));
        }
        Map<String, Object> translated = ConfigRenderer.forVersion(merged, version);
        if (translated.containsKey("wal_keep_size") && !sources.containsKey("wal_keep_size")) {
            sources.put("wal_keep_size", sources.getOrDefault("wal_keep_segments", "Patroni's default"));
        }
        if (translated.containsKey("wal_keep_segments") && !sources.containsKey("wal_keep_segments")) {
            sources.put("wal_keep_segments", sources.getOrDefault("wal_keep_size", "Patroni's default"));
        }
        Map<String, ParameterValidator.Sourced> toCheck = new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        translated.forEach((k, v) -> {
            if (ConfigRenderer.protectedNames().contains(k)) {
                out.put(k, v);   // validated by Patroni's protected-parameter rules in the renderer
            } else {
                toCheck.put(k, new ParameterValidator.Sourced(v, sources.getOrDefault(k, LOCAL)));
            }
        });
        ParameterValidator.Result r = validator().parameters(toCheck);
        report(r.findings());
        out.putAll(r.kept());
        return new Checked(out, recoveryConf, recoverySource);
    }

    private ParameterValidator validator() {
        GucCatalogue catalogue;
        try {
            catalogue = bin.catalogue();
        } catch (PostgresException e) {
            LOG.warn("cannot read the GUCs of {}, validating with Patroni's table only: {}", bin.path("postgres"),
                    e.getMessage());
            catalogue = null;
        }
        return new ParameterValidator(bin.version(), catalogue);
    }

    /**
     * Patroni's resolve_connection_addresses for the superuser connection: with {@code use_unix_socket}, the first
     * absolute directory of unix_socket_directories (the server's compiled-in default when not set), TCP when none
     * is absolute. {@code use_unix_socket_repl} is not followed: Regent's only replication connection to its own
     * server (IDENTIFY_SYSTEM, for the timeline of a standby that does not stream) goes over TCP to the listen
     * address (primary_conninfo, pg_basebackup and pg_rewind reach the other member's conn_url, as in Patroni).
     */
    private void resolveLocalConnection(Map<String, String> params) {
        if (cfg.useUnixSocketRepl() && reported.add("use_unix_socket_repl")) {
            LOG.info("postgresql.use_unix_socket_repl: Regent's only replication connection to its local server "
                    + "(IDENTIFY_SYSTEM, while a standby does not stream) goes over TCP to the listen address");
        }
        if (!cfg.useUnixSocket()) {
            return;
        }
        String dirs = params.get("unix_socket_directories");
        if (dirs == null) {
            dirs = validatorCatalogueDefault("unix_socket_directories");
        }
        String dir = null;
        for (String d : dirs == null ? new String[0] : dirs.split(",")) {
            if (d.strip().startsWith("/")) {
                dir = d.strip();
                break;
            }
        }
        String before = connection().unixSocket();
        connection().useUnixSocket(dir, listen.port());
        restConnection().useUnixSocket(dir, listen.port());
        String after = connection().unixSocket();
        if (!java.util.Objects.equals(before, after) || reported.add("use_unix_socket")) {
            if (after == null) {
                LOG.warn("postgresql.use_unix_socket: unix_socket_directories ({}) has no absolute directory; "
                        + "connecting over TCP to {}:{}", dirs, listen.localHost(), listen.port());
            } else {
                LOG.info("postgresql.use_unix_socket: connecting to postgres over {}", after);
            }
        }
    }

    private String validatorCatalogueDefault(String name) {
        try {
            return bin.catalogue().defaultValue(name);
        } catch (PostgresException e) {
            return null;
        }
    }

    /** Logs each finding once per process (the config is rendered on every start and change). */
    private void report(List<ParameterValidator.Finding> findings) {
        for (ParameterValidator.Finding f : findings) {
            if (reported.add(f.toString())) {
                LOG.warn("{}", f);
            }
        }
    }

    // ---- process ----

    /**
     * Starts {@code postgres -D <data_dir> --config-file=<config_dir>/postgresql.conf --<protected>=<v>…} detached
     * (own session, output to {@link #postmasterLog()}, survives the JVM). Role is taken from standby.signal.
     * Blocks until it accepts connections or {@code timeout}.
     *
     * @return true when accepting connections, false when still starting at the timeout
     * @throws PostgresException when already running, or when postgres exits during start-up
     */
    public boolean start(Duration timeout) {
        synchronized (lifecycle) {
            postmaster.pid().ifPresent(pid -> {
                throw new PostgresException("postgres is already running (pid " + pid + ") in " + dataDir);
            });
            Role role = Files.exists(dataDir.resolve("standby.signal"))
                    || Files.exists(dataDir.resolve("recovery.conf")) ? Role.REPLICA : Role.PRIMARY;
            List<String> cmd = new ArrayList<>(List.of(bin.path("postgres"), "-D", dataDir.toString(),
                    "--config-file=" + files.postgresqlConf()));
            cmd.addAll(ConfigRenderer.commandLineOptions(serverParameters(role)));
            return postmaster.start(cmd, timeout);
        }
    }

    /**
     * Stops postgres by signalling the postmaster (SMART=TERM, FAST=INT, IMMEDIATE=QUIT) and waits until it exits.
     * Closes the SQL connection first (a smart shutdown would wait for it). Callers run before_stop themselves.
     *
     * @return true when stopped (or not running), false when still running at {@code timeout}
     */
    public boolean stop(StopMode mode, Duration timeout) {
        synchronized (lifecycle) {
            closeConnection();
            return postmaster.stop(mode, timeout);
        }
    }

    /**
     * Stops postgres in {@code mode}, cut short as Patroni does under {@code primary_stop_timeout}: when the
     * postmaster still runs after {@code abortAfter}, an immediate shutdown (unless {@code mode} was immediate
     * already), and when it still runs after {@code abortAfter} again, SIGKILL to the postmaster and its children.
     * Blocks at most about twice {@code abortAfter} plus the kill.
     *
     * @return true when postgres no longer runs
     */
    public boolean stopOrAbort(StopMode mode, Duration abortAfter) {
        synchronized (lifecycle) {
            closeConnection();
            if (postmaster.stop(mode, abortAfter)) {
                return true;
            }
            LOG.warn("Timeout during postmaster stop, aborting Postgres.");
            if (mode != StopMode.IMMEDIATE && postmaster.stop(StopMode.IMMEDIATE, abortAfter)) {
                return true;
            }
            LOG.warn("Sending SIGKILL to Postmaster and its children");
            return postmaster.killWithChildren(Duration.ofSeconds(10));
        }
    }

    /** stop(mode) then start; false when either did not finish within its timeout. */
    public boolean restart(StopMode mode, Duration timeout) {
        synchronized (lifecycle) {
            return stop(mode, timeout) && start(timeout);
        }
    }

    /** Sends SIGHUP to the postmaster; false when not running. Does not wait for the reload. */
    public boolean reload() {
        return postmaster.signal("HUP");
    }

    /**
     * Promotes the running replica with {@code pg_ctl promote -W} and waits until pg_is_in_recovery() is false
     * (callers run pre_promote first).
     *
     * @return the status query that saw the server out of recovery (its {@link PgStatus#timeline()} is the timeline
     *         the promotion created: a primary's is read from its current WAL file), or null when it was not promoted
     *         within {@code timeout}
     */
    public PgStatus promote(Duration timeout) {
        synchronized (lifecycle) {
            runner.check("pg_ctl promote", List.of(bin.path("pg_ctl"), "promote", "-W", "-D", dataDir.toString()),
                    Map.of(), timeout());
            PgStatus[] promoted = new PgStatus[1];
            try {
                // every 20 ms: the promotion's end (the member key saying primary, on_role_change) waits for this
                boolean done = Deadline.after(ticker, timeout).await(() -> (promoted[0] = promotedStatus()) != null,
                        Duration.ofMillis(20), sleeper);
                return done ? promoted[0] : null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted");
            }
        }
    }

    // ---- custom bootstrap ----

    /**
     * First half of a custom bootstrap (§6.4, Patroni's _custom_bootstrap): runs the method's command as the
     * PostgreSQL OS user with Patroni's arguments, removes a promote trigger file, appends {@code bootstrapPgHba}
     * (bootstrap.pg_hba, unless postgresql.pg_hba is configured), and writes the configuration for the recovery
     * run: the method's {@code recovery_conf} as recovery settings (12+: in postgresql.conf plus recovery.signal, or
     * standby.signal with standby_mode on), or with {@code keep_existing_recovery_conf} the tool's own settings left
     * in place, else none; hot_standby off when Patroni turns it off; a pg_hba.conf that trusts the superuser and
     * replication roles locally (see {@link BootstrapHba}) until {@link #finishCustomBootstrap}. Start postgres
     * next and wait with {@link #awaitEndOfBootstrapRecovery}. Blocks while the command runs.
     *
     * @throws PostgresException when the command fails or leaves no cluster behind
     */
    public void runCustomBootstrap(CustomBootstrap method, List<String> bootstrapPgHba) {
        synchronized (lifecycle) {
            requireStopped("custom bootstrap");
            if (!dataDirectoryEmpty()) {
                throw new PostgresException("custom bootstrap: data directory " + dataDir + " is not empty");
            }
            int rc = methodCommand.run("custom bootstrap " + method.method(), method.command(), method.params(),
                    Map.of());
            if (rc != 0) {
                throw new PostgresException("custom bootstrap script " + method.command() + " exited with code " + rc);
            }
            if (!Files.exists(dataDir.resolve("global").resolve("pg_control"))) {
                throw new PostgresException("custom bootstrap script " + method.command() + " exited with code 0 "
                        + "but left no cluster in " + dataDir);
            }
            removePromoteTriggerFile();
            if (bootstrapPgHba != null && !bootstrapPgHba.isEmpty() && !pgHbaConfigured()) {
                files.appendPgHba(bootstrapPgHba);
            }
            savedPgHba = files.readPgHba();
            bootstrapOverrides = method.hotStandbyOff() ? Map.of("hot_standby", "off") : Map.of();
            customBootstrap = method;
            int version = bin.version();
            Checked checked = checkedParameters();
            ConfigRenderer.RecoveryLayout recovery = null;
            if (method.recoveryConf() != null) {
                Map<String, ParameterValidator.Sourced> toCheck = new LinkedHashMap<>();
                String source = "bootstrap." + method.method() + ".recovery_conf";
                method.recoveryConf().forEach((k, v) -> {
                    if (v != null && !k.equals("standby_mode")) {
                        toCheck.put(k, new ParameterValidator.Sourced(ConfigRenderer.gucValue(v), source));
                    }
                });
                ParameterValidator.Result r = validator().recovery(toCheck);
                report(r.findings());
                Map<String, String> kept = new LinkedHashMap<>(r.kept());
                Object standby = method.recoveryConf().get("standby_mode");
                if (standby != null) {
                    kept.put("standby_mode", ConfigRenderer.gucValue(standby));
                }
                recovery = ConfigRenderer.recoveryLayout(kept, version);
            }
            Map<String, String> params = serverParameters(Role.PRIMARY, checked);
            files.write(params, recovery, version, recovery == null && method.keepExistingRecoveryConf());
            files.writePgHba(BootstrapHba.render(listen.localHost(), cfg.replication().username(),
                    cfg.superuser() == null ? null : cfg.superuser().username()));
            resolveLocalConnection(params);
            followedConnUrl = null;
        }
    }

    /**
     * Waits until postgres, started after {@link #runCustomBootstrap}, has ended its recovery and runs as a primary
     * (PostgreSQL promotes itself at the recovery target or the end of the archive), as Patroni's "waiting for end of
     * recovery after bootstrap" does: without a deadline, logging every minute.
     *
     * @throws PostgresException when postgres stops before (e.g. the recovery target was not reached)
     */
    public void awaitEndOfBootstrapRecovery() {
        long lastLog = ticker.nanoTime();
        while (true) {
            if (postmaster.pid().isEmpty()) {
                throw new PostgresException("postgres stopped before the end of recovery after bootstrap; log "
                        + postmaster.logFile() + " ends with:\n" + postmaster.logTail());
            }
            if ("ready".equals(postmaster.pmStatus())) {
                try {
                    if (!status().inRecovery()) {
                        return;
                    }
                } catch (PostgresException e) {
                    LOG.debug("waiting for end of recovery after bootstrap: {}", e.getMessage());
                }
            }
            if (ticker.nanoTime() - lastLog > Duration.ofMinutes(1).toNanos()) {
                LOG.info("waiting for end of recovery after bootstrap");
                lastLog = ticker.nanoTime();
            }
            try {
                sleeper.sleep(Duration.ofMillis(500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted while waiting for end of recovery after bootstrap");
            }
        }
    }

    /**
     * Last step of a custom bootstrap, after the roles were set and post_bootstrap ran (Patroni's post_bootstrap):
     * puts back the configured pg_hba.conf (postgresql.pg_hba, else the file the method left), writes the primary's
     * configuration without recovery settings, and restarts postgres when hot_standby had been turned off (a pending
     * restart), else reloads it.
     */
    public void finishCustomBootstrap() {
        synchronized (lifecycle) {
            boolean restart = !bootstrapOverrides.isEmpty();
            CustomBootstrap method = customBootstrap;
            customBootstrap = null;
            bootstrapOverrides = Map.of();
            if (!pgHbaConfigured() && savedPgHba != null) {
                files.writePgHba(savedPgHba);
            }
            savedPgHba = null;
            writeConfig(Role.PRIMARY, null, null);
            closeConnection();
            if (restart) {
                LOG.info("restarting postgres after custom bootstrap {} (hot_standby back on)",
                        method == null ? "" : method.method());
                if (!restart(StopMode.FAST, timeout())) {
                    throw new PostgresException("postgres did not restart after the custom bootstrap within "
                            + timeout().toSeconds() + " s");
                }
            } else {
                reload();
            }
        }
    }

    // ---- replica creation and rewind ----

    /**
     * Wipes the data directory and runs {@code pg_basebackup --pgdata -X stream --dbname=<dsn>} plus
     * {@code postgresql.basebackup} options, from {@code fromConnUrl} with the replication credentials through
     * pgpass; 2 attempts 5 s apart. Blocks up to {@code timeout} per attempt. Call writeConfig(REPLICA, ...) next.
     */
    public void basebackup(String fromConnUrl, Duration timeout) {
        synchronized (lifecycle) {
            requireStopped("basebackup");
            PgHosts hosts = PgHosts.parse(fromConnUrl);
            files.writePgpass(hosts, List.of(cfg.replication()));
            // as Patroni's clone: libpq takes the first host that answers, primary or replica (pg_basebackup
            // works from either)
            provisioner.basebackup(replicationDsn(fromConnUrl), cfg.basebackup(), passEnv(), timeout);
        }
    }

    /**
     * Creates the replica by {@code postgresql.create_replica_methods} in order (Patroni's create_replica, see
     * {@link ReplicaMethods#plan}): the built-in basebackup as {@link #basebackup}, a custom method by its command
     * with Patroni's arguments ({@code --scope --role=replica --datadir --connstring} and its own keys), falling
     * through to the next method when one fails. The source's replication credentials go into pgpass
     * (PGPASSFILE) first. Afterwards a promote trigger file left in the copy is removed. Call writeConfig(REPLICA, ...)
     * next.
     *
     * @param fromConnUrl       the member to clone from ({@code postgres://host:port/db}); null when there is none,
     *                          then only methods marked {@code no_leader} run, with an empty connstring
     * @param fromLeader        {@code reinit --from-leader}: basebackup alone
     * @param basebackupTimeout bound of one pg_basebackup attempt (a custom method runs until it exits)
     * @return the method that created the replica
     * @throws PostgresException when every method failed
     */
    public String createReplica(String fromConnUrl, boolean fromLeader, Duration basebackupTimeout) {
        return createReplica(fromConnUrl, fromLeader, basebackupTimeout, cfg.createReplicaMethods());
    }

    /**
     * {@link #createReplica(String, boolean, Duration)} by {@code methods} instead of the configured ones (the
     * standby leader's first clone runs {@code standby_cluster.create_replica_methods}); the methods' sections are
     * still the local {@code postgresql.<method>} ones.
     */
    public String createReplica(String fromConnUrl, boolean fromLeader, Duration basebackupTimeout,
                                List<String> methods) {
        synchronized (lifecycle) {
            requireStopped("creating a replica");
            String dsn = "";
            Map<String, String> env = Map.of();
            if (fromConnUrl != null) {
                files.writePgpass(PgHosts.parse(fromConnUrl), List.of(cfg.replication()));
                dsn = replicationDsn(fromConnUrl);
                env = passEnv();
            }
            List<ReplicaMethods.Step> steps = ReplicaMethods.plan(methods,
                    cfg.replicaMethodSections(), scope, cfg.dataDir(), dsn, fromLeader);
            String used = replicaCreation.run(steps, dsn, cfg.basebackup(), env, basebackupTimeout);
            removePromoteTriggerFile();
            return used;
        }
    }

    /**
     * Patroni's connstring for a clone source: {@code conn_kwargs} of its conn_url with the replication credentials
     * and their connection options (sslmode, sslcert, ...), formatted as format_dsn does with a dbname (so without
     * password or passfile: those come from pgpass).
     */
    String replicationDsn(String connUrl) {
        PgHosts hosts = PgHosts.parse(connUrl);
        return ConnInfo.format(ConnInfo.forUser(hosts.hosts(), hosts.ports(),
                hosts.database() == null ? database() : hosts.database(), cfg.replication()), bin.version());
    }

    /**
     * Removes the promote trigger file a copied data directory may hold ({@code promote}, or recovery_conf's
     * promote_trigger_file / trigger_file), so that the new replica is not promoted at once (Patroni's
     * _post_restore).
     */
    private void removePromoteTriggerFile() {
        Map<String, Object> rc = effectiveRecoveryConf != null ? effectiveRecoveryConf : cfg.recoveryConf();
        Object name = rc == null ? null : rc.get(bin.version() >= 120000 ? "promote_trigger_file" : "trigger_file");
        Path trigger = dataDir.resolve(name == null ? "promote" : name.toString());
        try {
            Files.deleteIfExists(trigger);
        } catch (java.io.IOException e) {
            LOG.warn("cannot remove the promote trigger file {}: {}", trigger, e.getMessage());
        }
    }

    /**
     * After a primary was stopped cleanly to become a standby cluster's leader (demote-cluster): hands the WAL segment
     * with the shutdown checkpoint to {@code archive_command} when archiving is on (Patroni's
     * archive_shutdown_checkpoint_wal, see {@link ShutdownCheckpointArchive}). Never throws for a failed command
     * (logged, as Patroni); blocks up to {@code timeout} per command.
     *
     * @return true when the segment was archived, false when archiving is off or the command failed
     */
    public boolean archiveShutdownCheckpointWal(Duration timeout) {
        synchronized (lifecycle) {
            requireStopped("archiving the shutdown checkpoint");
            return new ShutdownCheckpointArchive(runner, bin, dataDir, files.postgresqlConf())
                    .run(controlData(), timeout) == ShutdownCheckpointArchive.Outcome.ARCHIVED;
        }
    }

    /**
     * The timeline and timeline history of the server at {@code connUrl} (a standby cluster's remote primary), read
     * with the replication user over a replication connection (3 s to connect); with several servers, of the first
     * that answers, in order, as libpq would connect (Patroni's rewind check connects with the remote's conn_kwargs).
     *
     * @throws PostgresException naming every server and why it did not answer
     */
    public TimelineHistoryFile.OfServer remoteTimeline(String connUrl) {
        PgHosts hosts = PgHosts.parse(connUrl);
        PgUser rep = cfg.replication();
        List<String> why = new ArrayList<>();
        for (PgHosts one : hosts.each()) {
            try {
                return PgConnection.replicationTimeline(one, rep.username(), rep.password(),
                        ConnInfo.userOptions(rep), 3);
            } catch (PostgresException e) {
                why.add(e.getMessage());
            }
        }
        throw new PostgresException(String.join("; ", why));
    }

    /**
     * For a stopped data directory whose primary went down without a shutdown checkpoint ({@code cd} says "in
     * production", "shutting down" or "in crash recovery"): where its last valid WAL record after the latest
     * checkpoint begins, on that checkpoint's timeline, which is as far as crash recovery would replay
     * ({@link dev.regent.core.ha.LocalPostgres#lastWalRecord}). Null for any other state, when a history file in
     * pg_wal names a later timeline (a promotion after the checkpoint: the WAL goes on there), or when pg_waldump does
     * not tell. Reads only; call while postgres is stopped. pg_waldump runs once per state of the WAL: observed again
     * unchanged (each HA cycle), the data directory gets the same answer without another run
     * ({@link LastWalRecordCache}).
     */
    public Long lastWalRecordAfterCrash(ControlData cd) {
        String state = cd.clusterState();
        if (!"in production".equals(state) && !"shutting down".equals(state) && !"in crash recovery".equals(state)) {
            return null;
        }
        int timeline = cd.timeline();
        if (timeline <= 0 || cd.checkpointLocation() <= 0) return null;
        try (java.util.stream.Stream<Path> files = Files.list(dataDir.resolve("pg_wal"))) {
            boolean later = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("[0-9A-F]{8}\\.history"))
                    .anyMatch(n -> Long.parseLong(n.substring(0, 8), 16) > timeline);
            if (later) return null;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
        return lastWalRecords.lastWalRecord(cd,
                () -> provisioner.lastWalRecord(timeline, cd.checkpointLocation(), Duration.ofSeconds(10)));
    }

    /** How many times {@link #lastWalRecordAfterCrash} ran pg_waldump (for tests). */
    int lastWalRecordReads() {
        return lastWalRecords.reads();
    }

    /** use_pg_rewind (dynamic, else local) and pg_controldata shows wal_log_hints=on or data checksums. */
    public boolean canRewind() {
        Boolean use = dynamicUsePgRewind != null ? dynamicUsePgRewind : cfg.usePgRewind();
        if (!Boolean.TRUE.equals(use) || !Files.isExecutable(Path.of(bin.path("pg_rewind")))) {
            return false;
        }
        ControlData cd = controlData();
        return cd.walLogHints() || cd.dataChecksums();
    }

    /**
     * Rewinds the stopped data directory from {@code sourceConnUrl} with the rewind user (else the superuser). When
     * pg_controldata shows no clean shutdown, runs single-user crash recovery first (which removes the signal
     * files). Config files in the data directory are preserved. The source must have checkpointed after its
     * promotion. Call writeConfig(REPLICA, ...) next. Blocks up to {@code timeout} per step.
     */
    public void rewind(String sourceConnUrl, Duration timeout) {
        synchronized (lifecycle) {
            requireStopped("pg_rewind");
            ControlData before = controlData();
            if (!before.cleanlyShutDown()) {
                LOG.info("running single-user crash recovery before pg_rewind (state: {})", before.clusterState());
                long t = ticker.monotonicMillis();
                provisioner.singleUserCrashRecovery(files.postgresqlConf(), database(), timeout);
                LOG.info("single-user crash recovery done in {}", seconds(ticker.monotonicMillis() - t));
            }
            PgHosts hosts = PgHosts.parse(sourceConnUrl);
            PgUser user = rewindUser();
            files.writePgpass(hosts, List.of(user));
            long t = ticker.monotonicMillis();
            // Patroni's rewind asks for read-write: with several hosts, the one that is the primary
            provisioner.rewind(dsn(hosts, user, hosts.several() ? "read-write" : null),
                    cfg.extras().rewindOptions(), files.preservedAcrossRewind(), passEnv(), timeout);
            // the phases of a rejoin, readable from the log alone (README: "Rejoin and start-up, phase by phase")
            LOG.info("pg_rewind done in {}", seconds(ticker.monotonicMillis() - t));
        }
    }

    /**
     * Checks that the rewind source {@code sourceConnUrl} answers and is a primary, with the rewind user (else the
     * superuser) as pg_rewind would connect, within 3 s to connect and 2 s for the query (Patroni's
     * {@code check_leader_is_not_in_recovery}). Called before postgres is stopped for a rewind: a source that is
     * down or still in recovery must never cost a running replica its postgres.
     *
     * @throws PostgresException naming why the source cannot be used
     */
    public void checkRewindSource(String sourceConnUrl) {
        PgHosts hosts = PgHosts.parse(sourceConnUrl);
        PgUser user = rewindUser();
        if (hosts.several() && hosts.hasSocketDirectory()) {
            // pgJDBC cannot try a list mixing Unix sockets and TCP: ask each server in order, as libpq's
            // target_session_attrs=read-write would, and take the first primary
            List<String> why = new java.util.ArrayList<>();
            for (PgHosts one : hosts.each()) {
                try {
                    if (!inRecovery(one, user)) return;
                    why.add(one.hosts() + ": in recovery");
                } catch (PostgresException e) {
                    why.add(one.hosts() + ": " + e.getMessage());
                }
            }
            throw new PostgresException("no primary among " + hosts.hosts() + " (" + String.join("; ", why) + ")");
        }
        if (inRecovery(hosts, user)) {
            throw new PostgresException("Leader is still in_recovery and therefore can't be used for rewind");
        }
    }

    /** pg_is_in_recovery() of {@code hosts} as pg_rewind would connect (3 s to connect, 2 s for the query). */
    private boolean inRecovery(PgHosts hosts, PgUser user) {
        try (PgConnection c = PgConnection.forUser(hosts, database(), user, 3).withStatementTimeout(2_000)) {
            return c.inRecovery();
        } catch (PostgresException e) {
            throw new PostgresException("not accessible or not healthy: " + e.getMessage(), e);
        }
    }

    /**
     * Copies the logical slots {@code names} from the primary at {@code primaryConnUrl} (superuser, 3 s to connect,
     * 5 s for the query) into this running replica, Patroni's way: read their state files there, stop postgres
     * (fast), install the files, start postgres again. Slots the primary does not have are skipped; nothing is
     * stopped when none is left.
     *
     * @return the names copied
     */
    public java.util.Set<String> copyLogicalSlots(String primaryConnUrl, java.util.Collection<String> names,
                                                  Duration timeout) {
        PgHosts hosts = PgHosts.parse(primaryConnUrl);
        PgUser su = cfg.superuser();
        Map<String, byte[]> states;
        try (PgConnection c = PgConnection.forUser(hosts, database(), su, 3).withStatementTimeout(5_000)) {
            states = c.logicalSlotStates(names);
        }
        if (states.isEmpty()) return java.util.Set.of();
        synchronized (lifecycle) {
            if (!stop(StopMode.FAST, timeout)) {
                throw new PostgresException("postgres did not stop within " + timeout.toSeconds()
                        + " s to load copied logical slots");
            }
            LogicalSlotCopier.install(dataDir, states, runner);
            if (!start(timeout)) {
                throw new PostgresException("postgres did not accept connections within " + timeout.toSeconds()
                        + " s after copying logical slots; see " + postmasterLog());
            }
        }
        return java.util.Set.copyOf(states.keySet());
    }

    /**
     * {@code catalog_xmin} of the named slots on the primary at {@code primaryConnUrl} (rewind user or superuser, as
     * Patroni's leader cursor: 3 s to connect, 2 s per statement); empty while that server is in recovery.
     */
    public Map<String, Long> primarySlotCatalogXmins(String primaryConnUrl, java.util.Collection<String> names) {
        try (PgConnection c = PgConnection.forUser(PgHosts.parse(primaryConnUrl), database(), rewindUser(), 3)
                .withStatementTimeout(2_000)) {
            return c.slotCatalogXmins(names, true);
        }
    }

    /** {@code catalog_xmin} of the named slots on this node. */
    public Map<String, Long> localSlotCatalogXmins(java.util.Collection<String> names) {
        return connection().slotCatalogXmins(names, false);
    }

    /** Moves the stopped data directory to {@code <data_dir>.failed}; returns the new path (null when missing). */
    public Path moveDataDirAside() {
        synchronized (lifecycle) {
            requireStopped("moving the data directory");
            return provisioner.moveAside();
        }
    }

    /** Deletes the stopped data directory. */
    public void removeDataDirectory() {
        synchronized (lifecycle) {
            requireStopped("removing the data directory");
            provisioner.wipe();
        }
    }

    private PgUser rewindUser() {
        return cfg.rewind() != null && cfg.rewind().username() != null ? cfg.rewind() : cfg.superuser();
    }

    private void requireStopped(String what) {
        postmaster.pid().ifPresent(pid -> {
            throw new PostgresException(what + " needs postgres stopped, but it runs (pid " + pid + ")");
        });
    }

    private Map<String, String> passEnv() {
        return Map.of("PGPASSFILE", pgpass.toString());
    }

    /** format_dsn of {@code user}'s conn_kwargs for {@code hosts}; {@code targetSessionAttrs}: null for none. */
    private String dsn(PgHosts hosts, PgUser user, String targetSessionAttrs) {
        Map<String, String> kw = ConnInfo.forUser(hosts.hosts(), hosts.ports(), database(), user);
        kw.put("target_session_attrs", targetSessionAttrs);
        return ConnInfo.format(kw, bin.version());
    }

    /** The pgpass file Regent writes (PGPASSFILE of its commands, passfile of primary_conninfo). */
    public Path pgpassFile() { return pgpass; }

    private Duration timeout() {
        return Duration.ofSeconds(cfg.pgCtlTimeoutSeconds() > 0 ? cfg.pgCtlTimeoutSeconds() : 60);
    }

    /** The status when out of recovery; null while in recovery or while the server cannot be asked. */
    private PgStatus promotedStatus() {
        try {
            PgStatus s = status();
            return s.inRecovery() ? null : s;
        } catch (PostgresException e) {
            LOG.debug("waiting for promotion: {}", e.getMessage());
            return null;
        }
    }

    /** Writes pgpass with the superuser for the local address, for post_bootstrap scripts. */
    @Override
    void writeLocalPgpass() {
        files.writePgpass(listen.localHost(), listen.port(), List.of(cfg.superuser()));
    }

    /** {@code millis} as "1.23 s", for the durations the log reports. */
    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.2f s", millis / 1000.0);
    }

    @Override
    Map<String, String> pgpassEnv() { return passEnv(); }

    @Override
    int serverVersion() { return bin.version(); }
}
