package dev.regent.daemon.loop;

import dev.regent.core.ha.LocalPostgres;
import java.time.Duration;
import java.util.Set;

/**
 * What the HA loop needs from the local PostgreSQL. Implemented over regent-postgres; the loop and the executor
 * depend only on this port. Methods block until done; they are called from the loop thread or the background slot,
 * never concurrently for state-changing calls.
 */
public interface PostgresPort {
    /** Observe process, data directory and SQL state now. Never throws: unknowns are reported as such. */
    LocalPostgres observe();

    /** initdb, start, create users, post_bootstrap. Returns the new database system identifier. */
    String bootstrap() throws Exception;

    /** Wipe the data directory and pg_basebackup from {@code connUrl}. */
    void cloneFrom(String connUrl) throws Exception;

    /**
     * Write the configuration for the role and start postgres, waiting up to {@code timeout} for it to accept
     * connections. {@code followConnUrl}/{@code followName} null = no primary_conninfo.
     */
    void start(boolean asPrimary, String followName, String followConnUrl, Duration timeout) throws Exception;

    /** Stop postgres: "smart", "fast" or "immediate". No-op when not running. */
    void stop(String mode, Duration timeout) throws Exception;

    /** Promote the running replica and wait until it accepts writes. */
    void promote() throws Exception;

    /** Stream from another member: rewrite primary_conninfo/slot and reload when they changed. */
    void follow(String followName, String followConnUrl) throws Exception;

    /** pg_rewind from {@code sourceConnUrl} (postgres must be stopped; crash recovery first when needed). */
    void rewind(String sourceConnUrl) throws Exception;

    /** True when pg_rewind can be used on this data directory (wal_log_hints or checksums). */
    boolean canRewind();

    /** Remove the data directory (re-clone follows). */
    void removeDataDirectory() throws Exception;

    /** Move the data directory aside to {@code <data_dir>.failed}. */
    void moveDataDirectoryAside() throws Exception;

    /** Ensure physical slots for {@code names} exist and drop other inactive physical slots. */
    void syncReplicationSlots(Set<String> names) throws Exception;

    /** Create missing physical slots for {@code names}; never drop any (maintenance mode). */
    void createMissingReplicationSlots(Set<String> names) throws Exception;

    /** Re-render configuration files and reload (SIGHUP). */
    void reload() throws Exception;

    /** Restart keeping the role. */
    void restart(Duration timeout) throws Exception;

    /** CHECKPOINT (after promote, so pg_rewind on the old primary sees the new timeline). */
    void checkpoint() throws Exception;

    /** Fire a callback (on_start, on_stop, on_restart, on_reload, on_role_change) asynchronously. */
    void fireCallback(String action, String role);

    /** Connection URL of this member as published ({@code postgres://host:port/db}). */
    String connUrl();
}
