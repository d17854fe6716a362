package dev.regent.daemon.loop;

import dev.regent.core.model.StandbyCluster;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.TimelineHistory;
import dev.regent.postgres.CallbackRole;
import dev.regent.postgres.CallbackRunner.Action;
import dev.regent.postgres.StopMode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * What the HA loop needs from the local PostgreSQL. Implemented over regent-postgres; the loop and the executor
 * depend only on this port (a simulator implements it over a simulated PostgreSQL). Methods block until done; they are
 * called from the loop thread or the background slot, never concurrently for state-changing calls. A failure is a
 * {@link PostgresPortException} naming the operation.
 */
public interface PostgresPort {
    /** Observe process, data directory and SQL state now. Never throws: unknowns are reported as such. */
    LocalPostgres observe();

    /**
     * initdb (or the custom bootstrap method and its recovery), start, create users, post_bootstrap. Returns the new
     * database system identifier.
     */
    String bootstrap() throws PostgresPortException;

    /**
     * {@link #bootstrap()}, reporting a custom bootstrap's phases to {@code phase} ({@code running custom bootstrap
     * script}, then {@code starting after custom bootstrap}), as Patroni shows them in its state.
     */
    default String bootstrap(java.util.function.Consumer<String> phase) throws PostgresPortException {
        return bootstrap();
    }

    /** Wipe the data directory and pg_basebackup from {@code connUrl}. */
    void cloneFrom(String connUrl) throws PostgresPortException;

    /**
     * Create the replica by the configured replica creation methods in order, cloning from {@code connUrl} (null: no
     * member to clone from; only methods marked no_leader run); {@code fromLeader}: basebackup alone. By default the
     * built-in basebackup ({@link #cloneFrom(String)}).
     */
    default void createReplica(String connUrl, boolean fromLeader) throws PostgresPortException {
        cloneFrom(connUrl);
    }

    /**
     * Write the configuration for the role and start postgres, waiting up to {@code timeout} for it to accept
     * connections. {@code followConnUrl}/{@code followName} null = no primary_conninfo.
     */
    void start(boolean asPrimary, String followName, String followConnUrl, Duration timeout)
            throws PostgresPortException;

    /**
     * {@link #start(boolean, String, String, Duration)} in a standby cluster ({@code standby} not null): with
     * {@code followName} null the remote primary ({@code followConnUrl} is its URL or null when it only restores
     * WAL; slot {@code primary_slot_name}; restore_command, archive_cleanup_command, recovery_min_apply_delay),
     * otherwise that member with the section's restore_command and archive_cleanup_command. The default ignores
     * {@code standby} (the simulator has no archive).
     */
    default void start(boolean asPrimary, String followName, String followConnUrl, StandbyCluster standby,
                       Duration timeout) throws PostgresPortException {
        start(asPrimary, followName, followConnUrl, timeout);
    }

    /** {@link #follow(String, String)} in a standby cluster; the recovery source as in the standby start. */
    default void follow(String followName, String followConnUrl, StandbyCluster standby)
            throws PostgresPortException {
        follow(followName, followConnUrl);
    }

    /**
     * Create the replica as {@link #createReplica(String, boolean)} does, by {@code methods} instead of the
     * configured ones (the standby leader's first clone from the remote primary).
     */
    default void createReplica(String connUrl, List<String> methods) throws PostgresPortException {
        createReplica(connUrl, false);
    }

    /** Stop postgres in {@code mode}, running before_stop first and on_stop after. No-op when not running. */
    void stop(StopMode mode, Duration timeout) throws PostgresPortException;

    /**
     * Stop a demoting primary as {@link #stop} does, cut short under {@code primary_stop_timeout} (see
     * {@code PrimaryStopTimeout}): after {@code abortAfter} an immediate shutdown, after {@code abortAfter} again
     * SIGKILL to the postmaster and its children. The default stops without a limit, which is right only for a port
     * whose stop cannot hang (the simulator's).
     */
    default void stopOrAbort(StopMode mode, Duration timeout, Duration abortAfter) throws PostgresPortException {
        stop(mode, timeout);
    }

    /**
     * Run the pre_promote script and wait for it (Patroni's {@code _pre_promote}); throws when it exits non-zero or
     * cannot run, which cancels the promotion. Does nothing when no script is configured.
     */
    void prePromote() throws PostgresPortException;

    /**
     * {@code pg_ctl promote} the running replica and wait until it accepts writes (pre_promote already ran).
     *
     * @return the timeline the promotion created, as postgres reported it once out of recovery; 0 when unknown
     */
    int promote() throws PostgresPortException;

    /**
     * Write timeline history files into {@code pg_wal} (timeline number to its lines, in PostgreSQL's format), each
     * only when no file of that timeline exists: run before {@code pg_ctl promote} so that PostgreSQL, which names the
     * new timeline after the newest history file it finds, never reuses a number another member promoted to (see
     * {@code TimelineReservation}).
     */
    void addTimelineHistoryFiles(SortedMap<Integer, List<TimelineHistory.Entry>> files) throws PostgresPortException;

    /**
     * The last line of {@code timeline}'s history file in {@code pg_wal}: the parent timeline it forked from and the
     * switch point. Null when unknown (no file, unreadable, or timeline 1).
     */
    TimelineHistory.Entry timelineSwitch(int timeline);

    /** Stream from another member: rewrite primary_conninfo/slot and reload when they changed. */
    void follow(String followName, String followConnUrl) throws PostgresPortException;

    /**
     * Checks, before anything is stopped for a rewind, that {@code sourceConnUrl} answers and is a primary (not in
     * recovery), as Patroni's {@code check_leader_is_not_in_recovery}; throws with the reason otherwise (nothing
     * changes locally either way).
     */
    void checkRewindSource(String sourceConnUrl) throws PostgresPortException;

    /** pg_rewind from {@code sourceConnUrl} (postgres must be stopped; crash recovery first when needed). */
    void rewind(String sourceConnUrl) throws PostgresPortException;

    /** True when pg_rewind can be used on this data directory (wal_log_hints or checksums). */
    boolean canRewind();

    /** Remove the data directory (re-clone follows). */
    void removeDataDirectory() throws PostgresPortException;

    /** Move the data directory aside to {@code <data_dir>.failed}. */
    void moveDataDirectoryAside() throws PostgresPortException;

    /** The replication slots postgres has now ({@code pg_replication_slots}). */
    java.util.List<dev.regent.core.slots.ExistingSlot> replicationSlots() throws PostgresPortException;

    /**
     * Make one change to the replication slots ({@link dev.regent.core.slots.SlotReconciler}'s); a slot that turns
     * out active is not dropped (logged).
     */
    void applySlotOp(dev.regent.core.slots.SlotOp op) throws PostgresPortException;

    /**
     * On a running replica: copy the logical slots {@code names} from the primary at {@code primaryConnUrl} (their
     * state files; postgres is restarted once to load them). Returns the names copied.
     */
    Set<String> copyLogicalSlots(String primaryConnUrl, java.util.Collection<String> names)
            throws PostgresPortException;

    /**
     * {@code catalog_xmin} of the named slots that exist on the primary at {@code primaryConnUrl} (a null value: none
     * set); empty while that server is in recovery. For the logical slot readiness check; an implementation that
     * cannot tell answers empty (the copies then stay pending, which only means a warning at promotion).
     */
    default java.util.Map<String, Long> primarySlotCatalogXmins(String primaryConnUrl,
                                                                java.util.Collection<String> names)
            throws PostgresPortException {
        return java.util.Map.of();
    }

    /** {@code catalog_xmin} of the named slots that exist here (a null value: none set). */
    default java.util.Map<String, Long> slotCatalogXmins(java.util.Collection<String> names)
            throws PostgresPortException {
        return java.util.Map.of();
    }

    /**
     * Create missing physical slots for {@code names}, never dropping any; returns the names created (an
     * implementation that cannot tell returns none, and nothing is cleaned up after it).
     */
    default Set<String> prepareReplicationSlots(Set<String> names) throws PostgresPortException {
        for (String name : names) applySlotOp(new dev.regent.core.slots.SlotOp.CreatePhysical(name));
        return Set.of();
    }

    /** Drop those of the physical slots {@code names} that exist and are not active. */
    default void dropInactiveReplicationSlots(Set<String> names) throws PostgresPortException {
    }

    /** Re-render configuration files and reload (SIGHUP). */
    void reload() throws PostgresPortException;

    /** Restart keeping the role. */
    void restart(Duration timeout) throws PostgresPortException;

    /** CHECKPOINT (after promote, so pg_rewind on the old primary sees the new timeline). */
    void checkpoint() throws PostgresPortException;

    /**
     * The timeline and timeline history of the server at {@code connUrl} (a standby cluster's remote primary) over a
     * replication connection; null when this port cannot tell (the default).
     *
     * @throws PostgresPortException when no server of {@code connUrl} answered
     */
    default dev.regent.core.ha.RemotePrimaryDivergence.Remote remoteTimeline(String connUrl)
            throws PostgresPortException {
        return null;
    }

    /**
     * After the clean stop of a demote-cluster: hand the WAL segment holding the shutdown checkpoint to
     * {@code archive_command} when archiving is on (Patroni's archive_shutdown_checkpoint_wal); a failed command is
     * logged, not thrown. The default (a port without WAL archiving) does nothing.
     *
     * @return true when the segment was archived
     */
    default boolean archiveShutdownCheckpointWal(Duration timeout) throws PostgresPortException {
        return false;
    }

    /** Fire the callback configured for {@code action} with {@code role}, asynchronously; never fails. */
    void fireCallback(Action action, CallbackRole role);

    /** Connection URL of this member as published ({@code postgres://host:port/db}). */
    String connUrl();

    /**
     * Synchronous replication facts of the running primary ({@code synchronous_standby_names}, {@code
     * synchronous_commit}, flush position, {@code pg_stat_replication}); null when they cannot be read.
     */
    default dev.regent.core.sync.SyncFacts observeSync() {
        return null;
    }

    /**
     * Sets {@code synchronous_standby_names} to {@code value} ("" empty; null: the configured value), rewriting the
     * configuration and reloading postgres when it changes, then waits up to 2 s for postgres to report it. Returns
     * true when the value changed. Throws when it could not be applied.
     */
    default boolean setSynchronousStandbyNames(String value) throws PostgresPortException {
        throw new PostgresPortException("synchronous_standby_names is not managed here");
    }

    /** True while {@code synchronous_standby_names} is set by Regent rather than taken from the configuration. */
    default boolean managesSynchronousStandbyNames() {
        return false;
    }

    /** Writes a little WAL without waiting for standbys (after {@code synchronous_standby_names} changed). */
    default void generateWal() {
    }
}
