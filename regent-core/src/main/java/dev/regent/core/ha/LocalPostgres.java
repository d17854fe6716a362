package dev.regent.core.ha;

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
 */
public record LocalPostgres(ProcessState process, boolean dataDirEmpty, String systemId, Boolean inRecovery,
                            String controlState, int timeline, long walPosition, Long receiveLsn, Long replayLsn,
                            String replicationState, String followedMember, String primarySlotName) {

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

    /** Stopped, and pg_controldata says the cluster was a primary when it went down (crashed or cleanly). */
    public boolean wasPrimaryWhenStopped() {
        return "in production".equals(controlState) || "shut down".equals(controlState)
                || "shutting down".equals(controlState) || "in crash recovery".equals(controlState);
    }
}
