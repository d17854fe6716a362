package dev.regent.daemon.wiring;

import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.SlotNames;
import dev.regent.core.method.CustomBootstrap;
import dev.regent.core.model.StandbyCluster;
import dev.regent.core.model.TimelineHistory;
import dev.regent.daemon.loop.PostgresPort;
import dev.regent.daemon.loop.PostgresPortException;
import dev.regent.postgres.CallbackRole;
import dev.regent.postgres.CallbackRunner;
import dev.regent.postgres.ControlData;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.core.slots.SlotOp;
import dev.regent.postgres.PgConnection;
import dev.regent.postgres.PgStatus;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.Role;
import dev.regent.postgres.StopMode;
import dev.regent.postgres.TimelineHistoryFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PostgresPort} over regent-postgres. Remembers which member the recovery configuration follows, the last
 * status snapshot (for the REST API), and the effective parameters applied to the configuration files.
 * State-changing calls come from one thread at a time (the loop or the background slot).
 */
public final class PostgresAdapter implements PostgresPort {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresAdapter.class);

    /** How long a postmaster whose status query failed may take to exit before it counts as starting. */
    private static final java.time.Duration DYING_POSTMASTER_GRACE = java.time.Duration.ofMillis(300);

    private final Postgresql pg;
    private final NodeConfig config;
    private final CallbackRunner callbacks;
    private final String slotName;
    private volatile String followedMember;
    private volatile String followedUrl;
    /** The standby cluster settings the recovery configuration applies (null: none), see {@link #followStandby}. */
    private volatile StandbyCluster followedStandby;
    private volatile Role role;
    private volatile PgStatus lastStatus;
    private volatile Map<String, Object> appliedParameters;
    private volatile boolean useSlots = true;

    public PostgresAdapter(Postgresql pg, NodeConfig config) {
        this.pg = pg;
        this.config = config;
        NodeConfig.PostgresqlConfig p = config.postgresql();
        this.callbacks = new CallbackRunner(p.callbacks(), p.prePromote(), p.beforeStop(), config.scope());
        this.slotName = SlotNames.fromMemberName(config.name());
    }

    /** The last successful status query (for GET /patroni), or null. */
    public PgStatus lastStatus() {
        return lastStatus;
    }

    public Postgresql postgresql() {
        return pg;
    }

    @Override
    public LocalPostgres observe() {
        boolean empty = pg.dataDirectoryEmpty();
        if (empty) {
            lastStatus = null;
            return new LocalPostgres(LocalPostgres.ProcessState.STOPPED, true, null, null, null, 0, 0, null, null,
                    null, null, null);
        }
        LocalPostgres.ProcessState ps = switch (pg.processState()) {
            case RUNNING -> LocalPostgres.ProcessState.RUNNING;
            case STARTING -> LocalPostgres.ProcessState.STARTING;
            default -> LocalPostgres.ProcessState.STOPPED;
        };
        if (ps == LocalPostgres.ProcessState.RUNNING) {
            try {
                PgStatus s = pg.status();
                lastStatus = s;
                role = s.inRecovery() ? Role.REPLICA : Role.PRIMARY;
                // a standby that does not stream: the timeline it replays, not pg_control's (Postgresql.timelineOf)
                int timeline = pg.timelineOf(s);
                return new LocalPostgres(ps, false, s.systemIdentifier(), s.inRecovery(), null, timeline,
                        s.walPosition(), s.receiveLsn(), s.replayLsn(), s.replicationState(),
                        s.inRecovery() ? streamingFrom() : null, s.primarySlotName(), s.serverVersion(),
                        s.postmasterStartTime() == null ? null : s.postmasterStartTime().toInstant(),
                        s.pendingRestartReasonMap())
                        .withTimelineStartLsn(s.inRecovery() ? TimelineHistoryFile.startOf(pg.dataDir(), timeline)
                                : null)
                        .withFollowedStandby(s.inRecovery() ? appliedStandby() : null);
            } catch (RuntimeException e) {
                LOG.debug("status query failed: {}", e.getMessage());
                // the postmaster may have died after it was seen alive (a kill during the query): then it is down
                ps = pg.processStateAfterFailedQuery(DYING_POSTMASTER_GRACE) == LocalPostgres.ProcessState.STOPPED
                        ? LocalPostgres.ProcessState.STOPPED : LocalPostgres.ProcessState.STARTING;
            }
        }
        lastStatus = null;
        ControlData cd = safeControlData();
        String state = cd == null ? null : cd.clusterState();
        Boolean inRecovery = state == null ? null : state.contains("recovery") && !state.equals("in crash recovery");
        LocalPostgres observed = new LocalPostgres(ps, false, cd == null ? null : cd.systemIdentifier(), inRecovery,
                state, cd == null ? 0 : cd.timeline(), cd == null ? 0 : cd.checkpointLocation(), null, null, null,
                streamingFrom(), null).withFollowedStandby(appliedStandby());
        if (ps == LocalPostgres.ProcessState.STOPPED && cd != null && observed.crashedAsPrimary()) {
            // a killed primary: how far its WAL goes decides whether it can follow the leader without pg_rewind
            // (DivergenceRule); read only while nothing runs on the data directory
            observed = observed.withTimelineStartLsn(TimelineHistoryFile.startOf(pg.dataDir(), cd.timeline()))
                    .withLastWalRecord(lastWalRecord(cd));
        }
        return observed;
    }

    private Long lastWalRecord(ControlData cd) {
        try {
            return pg.lastWalRecordAfterCrash(cd);
        } catch (RuntimeException e) {
            LOG.debug("could not read the end of the WAL: {}", e.getMessage());
            return null;
        }
    }

    /**
     * The member the recovery configuration streams from, as the core sees it: none while the member it was written
     * for had no conn_url (its member key was missing or empty when the leader key was read, e.g. while Patroni
     * re-creates its ZooKeeper member node), so that the core asks to follow it again and the next Follow writes the
     * conn_url that has arrived since. Reporting the member would leave the replica without primary_conninfo for good.
     */
    private String streamingFrom() {
        return followedMember != null && followedUrl == null ? null : followedMember;
    }

    /** {@link #followedStandby}, or none when {@link #streamingFrom} hides a member without conn_url. */
    private StandbyCluster appliedStandby() {
        return followedMember != null && followedUrl == null ? null : followedStandby;
    }

    private ControlData safeControlData() {
        try {
            return pg.controlData();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public String bootstrap() throws PostgresPortException {
        return bootstrap(phase -> { });
    }

    @Override
    public String bootstrap(java.util.function.Consumer<String> phase) throws PostgresPortException {
        return call(() -> bootstrapNow(phase));
    }

    private String bootstrapNow(java.util.function.Consumer<String> phase) throws PostgresPortException {
        NodeConfig.BootstrapConfig b = config.bootstrap();
        if (b != null && b.custom()) {
            return customBootstrapNow(b, phase);
        }
        NodeConfig.PgUser su = pg.config().superuser();  // as last reloaded
        pg.initdb(b == null ? List.of() : b.initdb(), su == null ? null : su.password());
        if (b != null && b.pgHba() != null && !b.pgHba().isEmpty() && !pg.pgHbaConfigured()) {
            pg.appendPgHba(b.pgHba());
        }
        startAs(Role.PRIMARY, null, null, Duration.ofSeconds(config.postgresql().pgCtlTimeoutSeconds()));
        pg.createUsers();
        if (b != null && b.postBootstrap() != null) {
            int rc = pg.runPostBootstrap(b.postBootstrap(), Duration.ofSeconds(300));
            if (rc != 0) throw new PostgresPortException("post_bootstrap script exited with " + rc);
        }
        String sysid = pg.controlData().systemIdentifier();
        if (sysid == null) throw new PostgresPortException("no system identifier after initdb");
        return sysid;
    }

    /**
     * A custom bootstrap (§6.4): the method's command, the recovery it configured run to its end (postgres promotes
     * itself), then the roles and post_bootstrap as after initdb, with a trusting pg_hba.conf until then (the
     * restored superuser's password is unknown), and the configured files back at the end.
     */
    private String customBootstrapNow(NodeConfig.BootstrapConfig b, java.util.function.Consumer<String> phase)
            throws PostgresPortException {
        CustomBootstrap m = CustomBootstrap.of(b.method(), b.methodSection(), config.scope(),
                config.postgresql().dataDir());
        LOG.info("Running custom bootstrap script: {}", m.command());
        phase.accept("running custom bootstrap script");
        run(() -> pg.runCustomBootstrap(m, b.pgHba()));
        phase.accept("starting after custom bootstrap");
        role = Role.PRIMARY;
        followedMember = null;
        followedUrl = null;
        Duration timeout = Duration.ofSeconds(config.postgresql().pgCtlTimeoutSeconds());
        if (!call(() -> pg.start(timeout))) {
            LOG.info("waiting for end of recovery after bootstrap");
        }
        run(pg::awaitEndOfBootstrapRecovery);
        run(pg::createUsers);
        if (b.postBootstrap() != null) {
            int rc = call(() -> pg.runPostBootstrap(b.postBootstrap(), Duration.ofSeconds(300)));
            if (rc != 0) throw new PostgresPortException("post_bootstrap script exited with " + rc);
        }
        run(pg::finishCustomBootstrap);
        String sysid = call(() -> pg.controlData().systemIdentifier());
        if (sysid == null) throw new PostgresPortException("no system identifier after the custom bootstrap");
        return sysid;
    }

    @Override
    public void cloneFrom(String connUrl) throws PostgresPortException {
        createReplica(connUrl, false);
    }

    @Override
    public void createReplica(String connUrl, List<String> methods) throws PostgresPortException {
        run(() -> pg.createReplica(connUrl, false,
                Duration.ofSeconds(Math.max(300, config.postgresql().pgCtlTimeoutSeconds())), methods));
    }

    @Override
    public void createReplica(String connUrl, boolean fromLeader) throws PostgresPortException {
        run(() -> pg.createReplica(connUrl, fromLeader,
                Duration.ofSeconds(Math.max(300, config.postgresql().pgCtlTimeoutSeconds()))));
    }

    @Override
    public void start(boolean asPrimary, String followName, String followConnUrl, Duration timeout)
            throws PostgresPortException {
        startAs(asPrimary ? Role.PRIMARY : Role.REPLICA, followName, followConnUrl, null, timeout);
    }

    @Override
    public void start(boolean asPrimary, String followName, String followConnUrl, StandbyCluster standby,
                      Duration timeout) throws PostgresPortException {
        startAs(asPrimary ? Role.PRIMARY : Role.REPLICA, followName, followConnUrl, asPrimary ? null : standby,
                timeout);
    }

    private void startAs(Role r, String followName, String followConnUrl, Duration timeout)
            throws PostgresPortException {
        startAs(r, followName, followConnUrl, null, timeout);
    }

    private void startAs(Role r, String followName, String followConnUrl, StandbyCluster standby, Duration timeout)
            throws PostgresPortException {
        if (call(pg::isRunning)) {
            LOG.info("postgres already running; not starting it again");
            return;
        }
        run(() -> writeConfig(r, followName, followConnUrl, standby));
        role = r;
        followedMember = r == Role.REPLICA ? followName : null;
        followedUrl = r == Role.REPLICA ? followConnUrl : null;
        followedStandby = r == Role.REPLICA ? standby : null;
        if (!call(() -> pg.start(timeout))) {
            throw new PostgresPortException("postgres did not accept connections within " + timeout.toSeconds()
                    + " s; see " + pg.postmasterLog());
        }
    }

    @Override
    public void stop(StopMode mode, Duration timeout) throws PostgresPortException {
        if (!call(pg::isRunning)) return;
        callbacks.runBeforeStop(Duration.ofSeconds(60));
        if (!call(() -> pg.stop(mode, timeout))) {
            LOG.warn("postgres did not stop within {} s ({}); stopping immediately", timeout.toSeconds(),
                    mode.name().toLowerCase(java.util.Locale.ROOT));
            run(() -> pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(30)));
        }
        callbacks.fire(CallbackRunner.Action.ON_STOP, callbackRole().patroniName());
    }

    @Override
    public void stopOrAbort(StopMode mode, Duration timeout, Duration abortAfter) throws PostgresPortException {
        if (!call(pg::isRunning)) return;
        callbacks.runBeforeStop(Duration.ofSeconds(60));
        if (!call(() -> pg.stopOrAbort(mode, abortAfter))) {
            throw new PostgresPortException("postgres still runs after SIGKILL; see " + pg.postmasterLog());
        }
        callbacks.fire(CallbackRunner.Action.ON_STOP, callbackRole().patroniName());
    }

    private CallbackRole callbackRole() {
        return role == Role.PRIMARY ? CallbackRole.PRIMARY : CallbackRole.REPLICA;
    }

    @Override
    public void prePromote() throws PostgresPortException {
        int rc = callbacks.runPrePromote(Duration.ofSeconds(60));
        if (rc != 0) throw new PostgresPortException("pre_promote script exited with " + rc + "; not promoting");
    }

    @Override
    public int promote() throws PostgresPortException {
        PgStatus promoted = call(() -> pg.promote(Duration.ofSeconds(config.postgresql().pgCtlTimeoutSeconds())));
        if (promoted == null) throw new PostgresPortException("promote did not finish in time");
        lastStatus = promoted;
        role = Role.PRIMARY;
        followedMember = null;
        followedUrl = null;
        followedStandby = null;
        // A promoted primary must not keep primary_conninfo in its files: a later restart would make it a replica.
        run(() -> pg.writeConfig(Role.PRIMARY, null, null));
        return promoted.timeline();
    }

    @Override
    public void addTimelineHistoryFiles(SortedMap<Integer, List<TimelineHistory.Entry>> files)
            throws PostgresPortException {
        for (Map.Entry<Integer, List<TimelineHistory.Entry>> f : files.entrySet()) {
            List<TimelineHistoryFile.Line> lines = new ArrayList<>();
            for (TimelineHistory.Entry e : f.getValue()) {
                lines.add(new TimelineHistoryFile.Line(e.timeline(), e.lsn(), e.reason()));
            }
            try {
                if (TimelineHistoryFile.writeIfAbsent(pg.dataDir(), f.getKey(), lines)) {
                    LOG.info("wrote the history file of timeline {} (used by the cluster) before promote", f.getKey());
                }
            } catch (java.io.IOException | RuntimeException e) {
                throw new PostgresPortException("could not write the history file of timeline " + f.getKey() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    @Override
    public TimelineHistory.Entry timelineSwitch(int timeline) {
        try {
            TimelineHistoryFile.Line l = TimelineHistoryFile.lastLine(pg.dataDir(), timeline);
            return l == null ? null : new TimelineHistory.Entry(l.parentTimeline(), l.switchpoint(), l.reason(), null,
                    null);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("could not read the history file of timeline {}: {}", timeline, e.getMessage());
            return null;
        }
    }

    @Override
    public void follow(String followName, String followConnUrl) throws PostgresPortException {
        follow(followName, followConnUrl, null);
    }

    @Override
    public void follow(String followName, String followConnUrl, StandbyCluster standby)
            throws PostgresPortException {
        if (Objects.equals(followName, followedMember) && Objects.equals(followConnUrl, followedUrl)
                && Objects.equals(standby, followedStandby)) {
            return;
        }
        run(() -> writeConfig(Role.REPLICA, followName, followConnUrl, standby));
        followedMember = followName;
        followedUrl = followConnUrl;
        followedStandby = standby;
        // primary_conninfo and primary_slot_name are reloadable since PostgreSQL 13.
        run(pg::reload);
        LOG.info("following {} ({})", followName, followConnUrl);
    }

    @Override
    public void checkRewindSource(String sourceConnUrl) throws PostgresPortException {
        if (sourceConnUrl == null) throw new PostgresPortException("the rewind source has no conn_url");
        run(() -> pg.checkRewindSource(sourceConnUrl));
    }

    @Override
    public void rewind(String sourceConnUrl) throws PostgresPortException {
        if (sourceConnUrl == null) throw new PostgresPortException("the rewind source has no conn_url");
        run(() -> pg.rewind(sourceConnUrl,
                Duration.ofSeconds(Math.max(300, config.postgresql().pgCtlTimeoutSeconds()))));
    }

    @Override
    public boolean canRewind() {
        return pg.canRewind();
    }

    @Override
    public void removeDataDirectory() throws PostgresPortException {
        run(pg::removeDataDirectory);
    }

    @Override
    public void moveDataDirectoryAside() throws PostgresPortException {
        run(pg::moveDataDirAside);
    }

    @Override
    public List<ExistingSlot> replicationSlots() throws PostgresPortException {
        return call(() -> pg.connection().replicationSlots());
    }

    @Override
    public void applySlotOp(SlotOp op) throws PostgresPortException {
        if (op instanceof SlotOp.CreatePhysical c) {
            run(() -> pg.connection().createPhysicalSlot(c.name()));
            LOG.info("Created physical replication slot '{}'", c.name());
        } else if (op instanceof SlotOp.CreateLogical c) {
            run(() -> {
                try (PgConnection db = pg.connection().forDatabase(c.database())) {
                    db.createLogicalSlot(c.name(), c.plugin());
                }
            });
            LOG.info("Created logical replication slot '{}' (plugin {}, database {})", c.name(), c.plugin(),
                    c.database());
        } else if (op instanceof SlotOp.Advance a) {
            run(() -> {
                if (a.database() == null) {
                    pg.connection().advanceSlot(a.name(), a.lsn());
                } else {
                    try (PgConnection db = pg.connection().forDatabase(a.database())) {
                        db.advanceSlot(a.name(), a.lsn());
                    }
                }
            });
        } else if (op instanceof SlotOp.Drop d) {
            LOG.info("Trying to drop replication slot '{}' because {}", d.name(), d.reason());
            if (call(() -> pg.connection().dropSlotIfInactive(d.name()))) {
                LOG.info("Dropped replication slot '{}'", d.name());
            } else {
                LOG.warn("Unable to drop replication slot '{}', slot is active", d.name());
            }
        } else if (op instanceof SlotOp.CopyLogical c) {
            copyLogicalSlot(c);
        }
    }

    /** A single copy (the loop batches them through {@link #copyLogicalSlots}); needs the primary's address. */
    private void copyLogicalSlot(SlotOp.CopyLogical c) throws PostgresPortException {
        throw new PostgresPortException("copying logical slot " + c.name() + " needs the primary's conn_url");
    }

    @Override
    public Set<String> copyLogicalSlots(String primaryConnUrl, java.util.Collection<String> names)
            throws PostgresPortException {
        LOG.info("Copying logical replication slots {} from the primary; postgres restarts to load them", names);
        Set<String> copied = call(() -> pg.copyLogicalSlots(primaryConnUrl, names,
                Duration.ofSeconds(config.postgresql().pgCtlTimeoutSeconds())));
        if (!copied.isEmpty()) LOG.info("Copied logical replication slots {} from the primary", copied);
        return copied;
    }

    @Override
    public java.util.Map<String, Long> primarySlotCatalogXmins(String primaryConnUrl,
                                                               java.util.Collection<String> names)
            throws PostgresPortException {
        return call(() -> pg.primarySlotCatalogXmins(primaryConnUrl, names));
    }

    @Override
    public java.util.Map<String, Long> slotCatalogXmins(java.util.Collection<String> names)
            throws PostgresPortException {
        return call(() -> pg.localSlotCatalogXmins(names));
    }

    /**
     * {@code postgresql.use_slots} from the dynamic configuration: without it a replica asks its upstream for no
     * slot (no primary_slot_name). A change is applied at once to a running replica (primary_slot_name reloads).
     */
    public void setUseSlots(boolean useSlots) {
        if (this.useSlots == useSlots) return;
        this.useSlots = useSlots;
        if (role == Role.REPLICA && followedUrl != null && pg.isRunning()) {
            try {
                reload();
                LOG.info("use_slots is now {}: primary_slot_name {}", useSlots, useSlots ? slotName : "unset");
            } catch (PostgresPortException e) {
                LOG.warn("could not apply use_slots = {}: {}", useSlots, e.getMessage());
            }
        }
    }

    @Override
    public Set<String> prepareReplicationSlots(Set<String> names) throws PostgresPortException {
        return call(() -> pg.ensurePhysicalSlots(names, false).created());
    }

    @Override
    public void dropInactiveReplicationSlots(Set<String> names) throws PostgresPortException {
        call(() -> pg.dropInactivePhysicalSlots(names));
    }

    /**
     * The connection settings of a reloaded configuration file (Patroni's reload: {@code authentication} users with
     * their SSL/GSS options, {@code krbsrvname}, {@code rewind}), in force from the next
     * connect; a replica's {@code primary_conninfo} gets them at the next {@link #reload} (the reload command that
     * follows a SIGHUP or {@code POST /reload}), as Patroni's next cycle rewrites a primary_conninfo that differs.
     */
    public void reloadConnectionSettings(NodeConfig reloaded) {
        List<String> changed = pg.reloadConnectionSettings(reloaded.postgresql());
        if (!changed.isEmpty()) LOG.info("reload: postgresql connection settings changed: {}", changed);
    }

    @Override
    public void reload() throws PostgresPortException {
        Role r = role == null ? Role.REPLICA : role;
        run(() -> writeConfig(r, followedMember, r == Role.REPLICA ? followedUrl : null,
                r == Role.REPLICA ? followedStandby : null));
        run(pg::reload);
    }

    /**
     * The configuration files for {@code r}. A replica following {@code followName} streams through its own slot; in
     * a standby cluster ({@code standby} not null) one following the remote primary ({@code followName} null) uses
     * {@code primary_slot_name} (no slot when absent, as Patroni's no_replication_slot) and gets the section's
     * recovery settings, a cascading member only its restore_command and archive_cleanup_command.
     */
    private void writeConfig(Role r, String followName, String followConnUrl, StandbyCluster standby) {
        if (r != Role.REPLICA) {
            pg.writeConfig(r, null, null);
            return;
        }
        boolean remote = standby != null && followName == null;
        // Patroni's build_recovery_params: no primary_slot_name at all without use_slots
        String slot = followConnUrl == null || !useSlots ? null
                : !remote ? slotName
                : standby.primarySlotName() == null ? null : SlotNames.fromMemberName(standby.primarySlotName());
        pg.writeConfig(r, followConnUrl, slot, standby == null ? Map.of() : standby.recoverySettings(remote));
    }

    @Override
    public dev.regent.core.sync.SyncFacts observeSync() {
        try {
            return pg.connection().syncFacts();
        } catch (RuntimeException e) {
            LOG.warn("could not read the synchronous replication state: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public boolean setSynchronousStandbyNames(String value) throws PostgresPortException {
        String before = pg.managedSyncStandbyNames();
        pg.setManagedSyncStandbyNames(value);
        String expected = value != null ? value
                : pg.serverParameters(role == null ? Role.PRIMARY : role).getOrDefault("synchronous_standby_names", "");
        String shown = showSyncStandbyNames();
        if (java.util.Objects.equals(before, value) && expected.equals(shown)) return false;
        reload();
        // postgres applies a reload within milliseconds; a value it refuses (logged by postgres) never shows up
        try {
            shown = pg.awaitSyncStandbyNames(expected, Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresPortException("interrupted while waiting for synchronous_standby_names", e);
        } catch (RuntimeException e) {
            throw new PostgresPortException("could not read synchronous_standby_names: " + e.getMessage(), e);
        }
        if (!expected.equals(shown)) {
            throw new PostgresPortException("postgres did not apply synchronous_standby_names = '" + expected
                    + "' within 2 s (it reports '" + shown + "')");
        }
        return true;
    }

    private String showSyncStandbyNames() throws PostgresPortException {
        return call(() -> pg.connection().queryStrings("SHOW synchronous_standby_names").get(0));
    }

    @Override
    public boolean managesSynchronousStandbyNames() {
        return pg.managedSyncStandbyNames() != null;
    }

    @Override
    public void generateWal() {
        try {
            pg.connection().generateWal();
        } catch (RuntimeException e) {
            LOG.debug("could not generate WAL after a synchronous_standby_names change: {}", e.getMessage());
        }
    }

    /**
     * Apply changed effective parameters (a PATCH of {@code /config}): re-render the files and reload. Parameters
     * that need a restart show up as pending_restart.
     */
    public void applyParameters(Map<String, Object> parameters, Boolean usePgRewind) {
        pg.setDynamicUsePgRewind(usePgRewind);
        if (Objects.equals(parameters, appliedParameters)) return;
        boolean first = appliedParameters == null;
        appliedParameters = parameters;
        pg.setDynamicParameters(parameters);
        if (!first && pg.isRunning()) {
            try {
                reload();
                callbacks.fire(CallbackRunner.Action.ON_RELOAD, callbackRole().patroniName());
                LOG.info("configuration changed; postgres reloaded");
            } catch (Exception e) {
                LOG.warn("reload after configuration change failed: {}", e.getMessage());
            }
        }
    }

    @Override
    public void restart(Duration timeout) throws PostgresPortException {
        Role r = role == null ? Role.REPLICA : role;
        stop(StopMode.FAST, timeout);
        startAs(r, followedMember, followedUrl, followedStandby, timeout);
    }

    @Override
    public void checkpoint() throws PostgresPortException {
        run(pg::checkpoint);
    }

    @Override
    public dev.regent.core.ha.RemotePrimaryDivergence.Remote remoteTimeline(String connUrl)
            throws PostgresPortException {
        return call(() -> {
            dev.regent.postgres.TimelineHistoryFile.OfServer s = pg.remoteTimeline(connUrl);
            return new dev.regent.core.ha.RemotePrimaryDivergence.Remote(s.timeline(), s.lines().stream()
                    .map(l -> new dev.regent.core.ha.RemotePrimaryDivergence.Fork(l.parentTimeline(), l.switchpoint()))
                    .toList());
        });
    }

    @Override
    public boolean archiveShutdownCheckpointWal(Duration timeout) throws PostgresPortException {
        return call(() -> pg.archiveShutdownCheckpointWal(timeout));
    }

    @Override
    public void fireCallback(CallbackRunner.Action action, CallbackRole callbackRole) {
        callbacks.fire(action, callbackRole.patroniName());
    }

    /** A regent-postgres call whose failure (an unchecked PostgresException) becomes the port's checked one. */
    @FunctionalInterface
    private interface Call<T> {
        T run() throws PostgresPortException;
    }

    @FunctionalInterface
    private interface VoidCall {
        void run() throws PostgresPortException;
    }

    private static <T> T call(Call<T> call) throws PostgresPortException {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw new PostgresPortException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    private static void run(VoidCall call) throws PostgresPortException {
        call(() -> {
            call.run();
            return null;
        });
    }

    @Override
    public String connUrl() {
        return pg.connUrl();
    }
}
