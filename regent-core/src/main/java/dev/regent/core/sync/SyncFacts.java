package dev.regent.core.sync;

import java.util.List;

/**
 * What the shell read on the primary for synchronous replication in one cycle.
 *
 * @param standbyNames      {@code SHOW synchronous_standby_names} ("" when unset)
 * @param synchronousCommit {@code SHOW synchronous_commit}
 * @param flushLsn          the primary's {@code pg_current_wal_flush_lsn()}
 * @param senders           {@code pg_stat_replication}, one row per walsender
 */
public record SyncFacts(String standbyNames, String synchronousCommit, long flushLsn, List<WalSender> senders) {
    public SyncFacts {
        standbyNames = standbyNames == null ? "" : standbyNames;
        senders = senders == null ? List.of() : List.copyOf(senders);
    }
}
