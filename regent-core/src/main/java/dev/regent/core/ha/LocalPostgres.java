package dev.regent.core.ha;

import dev.regent.core.model.StandbyCluster;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the shell observed about the local PostgreSQL in this cycle (process, data directory, SQL).
 *
 * @param process          whether a postmaster runs, and whether it accepts connections
 * @param dataDirEmpty     true when the data directory is missing or empty (nothing to start)
 * @param systemId         database system identifier from pg_controldata, null when unknown
 * @param inRecovery       running: pg_is_in_recovery(); stopped: pg_controldata says "in archive recovery";
 *                         null when unknown
 * @param controlState     pg_controldata "Database cluster state" ("in production", "shut down",
 *                         "shut down in recovery", "in archive recovery", "in crash recovery"...), null when unknown
 * @param timeline         current timeline (running) or pg_controldata "Latest checkpoint's TimeLineID", 0 unknown
 * @param walPosition      primary: pg_current_wal_lsn(); replica: max(receive, replay); 0 when unknown
 * @param receiveLsn       replica: last received LSN, null otherwise
 * @param replayLsn        replica: last replayed LSN, null otherwise
 * @param replicationState replica: "streaming" / "in archive recovery", null otherwise
 * @param followedMember   member name that the current recovery configuration streams from (from
 *                         primary_conninfo application of the shell), null when none/unknown
 * @param primarySlotName  primary_slot_name currently configured, null when none
 * @param serverVersion    running: server_version_num (e.g. 150004); 0 when unknown
 * @param postmasterStartTime running: pg_postmaster_start_time(); null when unknown
 * @param pendingRestartReason running: settings whose new value needs a restart (pg_settings.pending_restart),
 *                         {@code {name: {old_value, new_value}}} as Patroni publishes it; empty when none or unknown
 * @param timelineStartLsn running replica: where its current timeline began, from the last line of that timeline's
 *                         history file; null on timeline 1 or when unknown
 * @param followedStandby  the standby cluster settings the current recovery configuration applies (see
 *                         {@link dev.regent.core.ha.action.Action.Follow}); null outside a standby cluster or unknown
 * @param lastWalRecord    stopped after a crash as a primary: where the last valid WAL record after the latest
 *                         checkpoint begins, on that checkpoint's timeline (what crash recovery would replay last;
 *                         pg_waldump); null when not such a data directory, or unknown (then the WAL may go anywhere)
 */
public record LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                            String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                            String replicationState, String followedMember, String primarySlotName,
                            int serverVersion, Instant postmasterStartTime,
                            Map<String, Map<String, String>> pendingRestartReason, Long timelineStartLsn,
                            StandbyCluster followedStandby, Long lastWalRecord) {

    public LocalPostgres {
        pendingRestartReason = pendingRestartReason == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pendingRestartReason));
    }

    /** An observation without the end of a crashed primary's WAL (unknown). */
    public LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                         String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                         String replicationState, String followedMember, String primarySlotName,
                         int serverVersion, Instant postmasterStartTime,
                         Map<String, Map<String, String>> pendingRestartReason, Long timelineStartLsn,
                         StandbyCluster followedStandby) {
        this(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition, receiveLsn, replayLsn,
                replicationState, followedMember, primarySlotName, serverVersion, postmasterStartTime,
                pendingRestartReason, timelineStartLsn, followedStandby, null);
    }

    /** An observation without the start of its timeline (unknown). */
    public LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                         String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                         String replicationState, String followedMember, String primarySlotName,
                         int serverVersion, Instant postmasterStartTime,
                         Map<String, Map<String, String>> pendingRestartReason) {
        this(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition, receiveLsn, replayLsn,
                replicationState, followedMember, primarySlotName, serverVersion, postmasterStartTime,
                pendingRestartReason, null, null);
    }

    /** An observation outside a standby cluster. */
    public LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                         String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                         String replicationState, String followedMember, String primarySlotName,
                         int serverVersion, Instant postmasterStartTime,
                         Map<String, Map<String, String>> pendingRestartReason, Long timelineStartLsn) {
        this(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition, receiveLsn, replayLsn,
                replicationState, followedMember, primarySlotName, serverVersion, postmasterStartTime,
                pendingRestartReason, timelineStartLsn, null);
    }

    /** This observation with the standby cluster settings its recovery configuration applies (null: none). */
    public LocalPostgres withFollowedStandby(StandbyCluster standby) {
        return new LocalPostgres(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition,
                receiveLsn, replayLsn, replicationState, followedMember, primarySlotName, serverVersion,
                postmasterStartTime, pendingRestartReason, timelineStartLsn, standby, lastWalRecord);
    }

    /** This observation with where the current timeline began (null: unknown). */
    public LocalPostgres withTimelineStartLsn(Long lsn) {
        return new LocalPostgres(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition,
                receiveLsn, replayLsn, replicationState, followedMember, primarySlotName, serverVersion,
                postmasterStartTime, pendingRestartReason, lsn, followedStandby, lastWalRecord);
    }

    /** This observation with where a crashed primary's last WAL record begins (null: unknown). */
    public LocalPostgres withLastWalRecord(Long lsn) {
        return new LocalPostgres(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition,
                receiveLsn, replayLsn, replicationState, followedMember, primarySlotName, serverVersion,
                postmasterStartTime, pendingRestartReason, timelineStartLsn, followedStandby, lsn);
    }

    /** An observation without server version, start time and pending-restart facts (unknown). */
    public LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                         String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                         String replicationState, String followedMember, String primarySlotName) {
        this(process, dataDirEmpty, systemId, inRecovery, controlState, timeline, walPosition, receiveLsn, replayLsn,
                replicationState, followedMember, primarySlotName, 0, null, Map.of());
    }

    /** PostgreSQL reports settings that only take effect after a restart (Patroni's pending_restart flag). */
    public boolean pendingRestart() { return !pendingRestartReason.isEmpty(); }

    /** Patroni's role string of a running postgres: {@code primary} or {@code replica}; null when not running. */
    public String runningRole() {
        if (isPrimary()) return "primary";
        return isReplica() ? "replica" : null;
    }

    /** State of the postmaster process. */
    public enum ProcessState {
        /** No postmaster. */
        STOPPED,
        /** Postmaster runs but does not accept connections yet (recovery, startup). */
        STARTING,
        /** Accepting connections. */
        RUNNING
    }

    public boolean isRunning() { return process == ProcessState.RUNNING; }

    /** Running and not in recovery. */
    public boolean isPrimary() { return isRunning() && Boolean.FALSE.equals(inRecovery); }

    public boolean isReplica() { return isRunning() && Boolean.TRUE.equals(inRecovery); }

    /** pg_controldata says a primary went down without a shutdown checkpoint (killed, crashed, or in recovery from that). */
    public boolean crashedAsPrimary() {
        return "in production".equals(controlState) || "shutting down".equals(controlState)
                || "in crash recovery".equals(controlState);
    }

    /** Stopped, and pg_controldata says the cluster was a primary when it went down (crashed or cleanly). */
    public boolean wasPrimaryWhenStopped() {
        return "in production".equals(controlState) || "shut down".equals(controlState)
                || "shutting down".equals(controlState) || "in crash recovery".equals(controlState);
    }
}
