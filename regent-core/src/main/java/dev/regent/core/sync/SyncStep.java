package dev.regent.core.sync;

import java.util.Set;

/**
 * One write of the synchronous replication state, in the order a plan lists them. The shell runs them in order and
 * stops at the first that fails; each one alone leaves a state in which no automatic promotion can lose an
 * acknowledged commit.
 */
public sealed interface SyncStep {
    /** Patroni's INFO line for this step. */
    String message();

    /**
     * Write {@code /sync} = {@code {"leader", "sync_standby", "quorum"}} with compare-and-set on the version read in
     * this cycle, or on the version the previous {@code WriteSync} of the same plan produced (create when absent).
     */
    record WriteSync(String leader, Set<String> standbys, int quorum, String message) implements SyncStep {
        public WriteSync {
            standbys = Names.of(standbys);
        }
    }

    /** Delete {@code /sync} (compare-and-set on the version read in this cycle). */
    record DeleteSync(String message) implements SyncStep {}

    /**
     * Set {@code synchronous_standby_names} to {@code value} (null: the value configured in
     * {@code postgresql.parameters}, absent if none) and reload; once postgres reports the new value, the shell notes
     * the primary's flush position and generates a little WAL ({@link SyncReadiness}).
     */
    record SetStandbyNames(String value, String message) implements SyncStep {}
}
