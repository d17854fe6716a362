package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;

/**
 * Patroni's one-line results for cycles in which an action failed, for the shell to log when the executor stops at
 * {@code failed} (before it re-decides). Stateless and thread-safe.
 */
public final class FailureMessages {
    private FailureMessages() {}

    /** The message for a cycle that stopped because {@code failed} failed. */
    public static String of(Action failed) {
        if (failed instanceof Action.RaceInitialize) return "failed to acquire initialize lock";
        if (failed instanceof Action.CancelStaleInitialize) return "initialize changed meanwhile";
        if (failed instanceof Action.AcquireLeaderLock) {
            return "following new leader after trying and failing to obtain lock";
        }
        if (failed instanceof Action.UpdateLeaderLock) return "failed to update leader lock";
        if (failed instanceof Action.ClearFailover) return "failed to clear the failover key";
        if (failed instanceof Action.StartPostgres) return "failed to start postgres";
        if (failed instanceof Action.ManageSync) {
            return "Synchronous replication key updated by someone else or postgres did not apply the change";
        }
        return failed.getClass().getSimpleName() + " failed";
    }
}
