package dev.regent.core.sync;

/**
 * One row of the primary's {@code pg_stat_replication}: a standby streaming from it.
 *
 * @param pid             walsender process id (a new connection gets a new pid)
 * @param applicationName the standby's {@code application_name}: its member name
 * @param syncState       {@code async}, {@code potential}, {@code sync} or {@code quorum}
 * @param writeLsn        last WAL position written by the standby, null when not streaming yet
 * @param flushLsn        last WAL position flushed by the standby, null when not streaming yet
 * @param replayLsn       last WAL position replayed by the standby, null when not streaming yet
 */
public record WalSender(int pid, String applicationName, String syncState, Long writeLsn, Long flushLsn,
                        Long replayLsn) {
    /**
     * The position that matters for commits under {@code synchronous_commit}: replay for {@code remote_apply}, write
     * for {@code remote_write}, flush otherwise (Patroni's sort column).
     */
    public Long lsnFor(String synchronousCommit) {
        if ("remote_apply".equals(synchronousCommit)) return replayLsn;
        if ("remote_write".equals(synchronousCommit)) return writeLsn;
        return flushLsn;
    }
}
