package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import java.util.List;

/**
 * The memory contract in one place: how {@link NodeMemory} changes between cycles (see {@link HaDecider}, "Memory
 * contract"). {@link #decided} is the decider's part, applied to every decision; {@link #after} is the shell's part,
 * applied by the executor as each action ends (a long action twice: when handed to the background slot, outcome
 * {@link ActionOutcome.Kind#BACKGROUND}, and when its task ends); {@link #observed} follows each cycle's observation
 * of the local postgres. Pure, stateless and thread-safe; the scenario tests carry memory between cycles with the same
 * functions.
 */
public final class MemoryContract {
    private MemoryContract() {}

    /**
     * The decider's part: a decision that does not keep the lock (see {@link #keepsLock}) forgets being the leader and
     * any start as primary; a decision that promotes clears the rewind state (Patroni's "cleared rewind state after
     * becoming the leader").
     */
    public static NodeMemory decided(NodeMemory m, List<Action> actions) {
        NodeMemory out = m;
        if (!keepsLock(actions)) out = out.withWasLeader(false).withLockValidUntil(0).withStartingAsPrimarySince(0);
        if (actions.stream().anyMatch(a -> a instanceof Action.Promote)) out = out.withRewindOrReinitNeeded(false);
        return out;
    }

    /** The actions renew the lock and do not give it up. */
    public static boolean keepsLock(List<Action> actions) {
        // failsafe mode keeps the leadership without the DCS (Patroni's set_is_leader(True) in _handle_dcs_error)
        boolean renews = actions.stream().anyMatch(a -> a instanceof Action.UpdateLeaderLock
                || a instanceof Action.KeepLeadingInFailsafe);
        boolean givesUp = actions.stream()
                .anyMatch(a -> a instanceof Action.Demote d && !keepsLock(d) || a instanceof Action.ReleaseLeaderLock);
        return renews && !givesUp;
    }

    /**
     * The shell's part: the memory after {@code action} ended with {@code outcome} at monotonic {@code nowMillis}
     * (for a lock write: the time just before the write was sent, so the lease never outlives the key).
     */
    public static NodeMemory after(Action action, ActionOutcome outcome, long nowMillis, int ttlSeconds,
                                   NodeMemory before) {
        boolean ok = outcome.kind() == ActionOutcome.Kind.SUCCEEDED;
        boolean submitted = outcome.kind() == ActionOutcome.Kind.BACKGROUND;
        long leaseUntil = nowMillis + ttlSeconds * 1000L;
        if (action instanceof Action.AcquireLeaderLock) {
            return ok ? leader(before, leaseUntil) : before;
        }
        if (action instanceof Action.UpdateLeaderLock) {
            // a refused or failed renewal means the lock is gone now, whatever the (possibly stale) snapshot says
            return ok ? leader(before, leaseUntil) : before.withLockValidUntil(0);
        }
        if (action instanceof Action.KeepLeadingInFailsafe) {
            // every member of /failsafe accepted: the node leads for another ttl without the DCS
            return ok ? leader(before, leaseUntil) : before;
        }
        if (action instanceof Action.Bootstrap) {
            // SUCCEEDED: the bootstrap took the lock; REFUSED: it ended without it; FAILED: the node exits
            if (ok) return leader(before, leaseUntil);
            return outcome.kind() == ActionOutcome.Kind.FAILED ? before.withBootstrapFailed(true) : before;
        }
        if (action instanceof Action.ReleaseLeaderLock) return notLeader(before);
        if (action instanceof Action.Demote d && keepsLock(d)) {
            // the lock holder becomes the standby leader; its WAL may have gone past the remote primary's fork point
            // (Patroni's demote triggers the diverged-lsn check): RemotePrimaryDivergence checks it
            return before.withCheckDivergedLsn(true);
        }
        if (action instanceof Action.Demote d) {
            NodeMemory out = notLeader(before);  // whatever the outcome: the node no longer acts as leader
            boolean stopped = switch (d.mode()) {
                case IMMEDIATE, IMMEDIATE_NOLOCK -> ok;
                case OFFLINE -> submitted;
                case GRACEFUL, DEMOTE_CLUSTER -> false;
            };
            // an unclean stop may leave WAL the new leader never saw
            return stopped ? out.withRewindOrReinitNeeded(true) : out;
        }
        if (action instanceof Action.StartPostgres s) {
            // the primary_start_timeout clock starts when the start is handed to the slot
            return s.asPrimary() && (submitted || ok) ? before.withStartingAsPrimarySince(nowMillis) : before;
        }
        if (action instanceof Action.Promote) {
            if (ok) {
                return before.withRewindOrReinitNeeded(false).withStartingAsPrimarySince(0)
                        .withOwnPromotion(outcome.createdTimeline());
            }
            // pre_promote vetoed: do not race for ttl after the lock is given up (Patroni's backoff)
            return outcome.kind() == ActionOutcome.Kind.REFUSED ? before.withPreferNoRaceUntil(leaseUntil) : before;
        }
        if (action instanceof Action.Rewind) {
            if (ok) return before.withRewindOrReinitNeeded(false);
            return outcome.kind() == ActionOutcome.Kind.FAILED ? before.withRewindOrReinitNeeded(true) : before;
        }
        if (action instanceof Action.Reinitialize) {
            // a new copy of the leader's data directory holds none of this node's own promotion
            return ok ? before.withRewindOrReinitNeeded(false).withOwnPromotion(0) : before;
        }
        return before;
    }

    /**
     * The observation's part, applied to each cycle's observation of the local postgres before the decider runs
     * ({@link DivergenceRule#note}): the own promotion ({@link NodeMemory#ownPromotion()}) is forgotten once the data
     * directory no longer holds it, i.e. it is empty or on another timeline (rewound, cloned, moved aside). Not while a
     * background task runs: it owns the data directory, and an observation taken meanwhile may predate its effect.
     */
    public static NodeMemory observed(NodeMemory m, LocalPostgres local, boolean backgroundTaskRunning) {
        int own = m.ownPromotion();
        if (own == 0 || backgroundTaskRunning) return m;
        boolean gone = local.dataDirEmpty() || local.timeline() > 0 && local.timeline() != own;
        return gone ? m.withOwnPromotion(0) : m;
    }

    /**
     * This node may still act as the leader: it took or renewed the lock and the lease has not run out. The executor
     * checks it before an irreversible step taken on the lock's behalf long after the decision (pg_ctl promote after
     * a slow pre_promote).
     */
    public static boolean leaseValid(NodeMemory m, long nowMillis) {
        return m.wasLeader() && nowMillis < m.lockValidUntil();
    }

    /** Patroni's demote-cluster mode keeps the lock: the primary turns into the standby leader. */
    private static boolean keepsLock(Action.Demote d) {
        return d.mode() == Action.Demote.Mode.DEMOTE_CLUSTER;
    }

    private static NodeMemory leader(NodeMemory m, long validUntil) {
        return m.withLockValidUntil(validUntil).withWasLeader(true);
    }

    private static NodeMemory notLeader(NodeMemory m) {
        return m.withLockValidUntil(0).withWasLeader(false);
    }
}
