package dev.regent.core.ledger;

import dev.regent.core.ha.ActionOutcome;
import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterView;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which HA decisions go into the decision ledger, and what each entry says. Pure: a function of the cycle's input,
 * the decision, how its actions ended and the {@link LedgerState} of earlier cycles.
 *
 * <p>A decision is recorded when it changed something: an action that changes roles or data (lock taken or given up,
 * promote, demote, rewind, reinitialize, bootstrap, clone, restart, start, synchronous replication), a new streaming
 * source, a switchover step, the first cycle failsafe mode kept the leadership, a change of maintenance mode, a fatal
 * exit, and, once per spell without a leader, why this node stood back in the leader race. Cycles that only renew the
 * lock or confirm the current state ({@code no action. ...}) are not recorded.
 */
public final class DecisionLedger {
    private DecisionLedger() {}

    /** The next state, and the entry of this cycle or null when nothing changed. */
    public record Step(LedgerState state, LedgerEntry entry) {}

    /**
     * Records one cycle.
     *
     * @param prev    the state after the previous cycle ({@link LedgerState#INITIAL} at start)
     * @param in      the decider's input
     * @param d       its decision
     * @param failed  the action that did not proceed (refused or failed), or null when all did
     * @param outcome how {@code failed} ended, or null
     * @param cycle   this cycle's number
     */
    public static Step record(LedgerState prev, HaInput in, Decision d, Action failed, ActionOutcome outcome,
                              long cycle) {
        ClusterView cl = in.cluster();
        List<Action> acts = d.actions();
        boolean unlockedSpell = cl != null && cl.isUnlocked();
        DecisionKind kind = actionKind(prev, in, d, failed);
        String followTarget = followTargetAfter(prev.followTarget(), acts);
        String newFollow = followChange(prev, in, acts);
        if (kind == null && newFollow != null) kind = DecisionKind.FOLLOW;
        Boolean paused = cl == null ? prev.paused() : Boolean.valueOf(cl.isPaused());
        boolean pauseToggled = prev.paused() != null && paused != null && !prev.paused().equals(paused);
        boolean raceLost = kind == null && unlockedSpell && !prev.raceLostRecorded() && stoodBack(in, acts);
        if (raceLost) kind = DecisionKind.LEADER_RACE_LOST;
        if (kind == null && pauseToggled) kind = paused ? DecisionKind.PAUSE : DecisionKind.RESUME;
        LedgerState next = new LedgerState(
                cl != null && cl.leader() != null ? cl.leader().name() : prev.lastLeader(),
                cl != null && cl.leader() != null ? in.wallClockMillis() : prev.lastLeaderSeenAt(),
                cl == null ? prev.lockedLastCycle() : cl.leader() != null,
                unlockedSpell ? prev.raceLostRecorded() || kind == DecisionKind.LEADER_RACE_LOST
                        || kind == DecisionKind.LEADER_RACE_WON : false,
                followTarget, paused, acts.stream().anyMatch(a -> a instanceof Action.KeepLeadingInFailsafe));
        if (kind == null) return new Step(next, null);
        List<String> reasons = Explanation.reasons(kind, prev, in, d, newFollow);
        if (pauseToggled && kind != DecisionKind.PAUSE && kind != DecisionKind.RESUME) {
            reasons.add(paused ? "the cluster was just paused" : "the cluster was just resumed");
        }
        String headline = Explanation.headline(kind, in, d, failed, newFollow);
        String summary = reasons.isEmpty() ? headline : headline + ": " + String.join("; ", reasons);
        List<String> actions = new ArrayList<>();
        for (Action a : acts) actions.add(Explanation.describe(a));
        LedgerEntry e = new LedgerEntry(in.wallClockMillis(), cycle, in.settings().name(), kind.label(), summary,
                d.message(), actions, outcome(failed, outcome), reasons, Explanation.inputs(prev, in));
        return new Step(next, e);
    }

    /** The kind given by the decision's actions, by precedence; null when no action changes anything. */
    static DecisionKind actionKind(LedgerState prev, HaInput in, Decision d, Action failed) {
        List<Action> acts = d.actions();
        if (has(acts, Action.FatalExit.class)) return DecisionKind.FATAL;
        if (has(acts, Action.AcquireLeaderLock.class)) {
            return failed instanceof Action.AcquireLeaderLock ? DecisionKind.LEADER_RACE_LOST
                    : DecisionKind.LEADER_RACE_WON;
        }
        Action.Demote demote = first(acts, Action.Demote.class);
        // a primary that believed it led (its lease ran out, or another member holds the key now)
        boolean believedLeading = in.memory().wasLeader();
        if (demote != null && demote.mode() == Action.Demote.Mode.IMMEDIATE_NOLOCK && believedLeading
                || d.message().contains("failed to update leader lock")) {
            return DecisionKind.LOCK_LOST;
        }
        if (demote != null && demote.mode() == Action.Demote.Mode.GRACEFUL && in.cluster() != null
                && in.cluster().failover() != null) {
            return DecisionKind.SWITCHOVER;
        }
        if (demote != null) return DecisionKind.DEMOTE;
        if (has(acts, Action.Promote.class)) return DecisionKind.PROMOTE;
        if (has(acts, Action.Rewind.class)) return DecisionKind.REWIND;
        if (has(acts, Action.Reinitialize.class)) return DecisionKind.REINITIALIZE;
        if (has(acts, Action.Bootstrap.class) || has(acts, Action.CancelStaleInitialize.class)) {
            return DecisionKind.BOOTSTRAP;
        }
        if (has(acts, Action.CloneReplica.class)) return DecisionKind.CLONE;
        if (has(acts, Action.RestartPostgres.class)) return DecisionKind.RESTART;
        if (has(acts, Action.ReleaseLeaderLock.class)) return DecisionKind.RELEASE;
        if (has(acts, Action.KeepLeadingInFailsafe.class) && !prev.failsafe()) return DecisionKind.FAILSAFE;
        if (has(acts, Action.ClearFailover.class) || has(acts, Action.KeepFailoverCandidate.class)
                || has(acts, Action.WaitUntil.class)) {
            return DecisionKind.SWITCHOVER;
        }
        if (has(acts, Action.StartPostgres.class)) return DecisionKind.START;
        if (has(acts, Action.ManageSync.class)) return DecisionKind.SYNC;
        return null;
    }

    /**
     * The cluster has no leader, this node runs postgres without a task in the background and did not try for the
     * lock: it stood back in the race.
     */
    private static boolean stoodBack(HaInput in, List<Action> acts) {
        return in.cluster().isInitialized() && in.backgroundTask() == null && in.postgres().isRunning()
                && !has(acts, Action.AcquireLeaderLock.class);
    }

    /**
     * The new streaming source when a {@code Follow} names another one than this node streams from (as observed, or
     * as last told when the observation does not know); null when unchanged.
     */
    private static String followChange(LedgerState prev, HaInput in, List<Action> acts) {
        Action.Follow f = first(acts, Action.Follow.class);
        if (f == null) return null;
        String target = Explanation.target(f);
        if (target.equals(prev.followTarget())) return null;
        String observed = in.postgres().followedMember();
        if (observed != null && observed.equals(target)) return null;
        return target;
    }

    private static String followTargetAfter(String prev, List<Action> acts) {
        String t = prev;
        for (Action a : acts) {
            if (a instanceof Action.Follow f) t = Explanation.target(f);
            if (a instanceof Action.StartPostgres s && !s.asPrimary()) {
                t = s.followMember() == null ? (s.standby() != null ? Explanation.REMOTE : "") : s.followMember();
            }
            if (a instanceof Action.Demote dm) t = dm.followMember();
            if (a instanceof Action.Rewind r) t = r.sourceMember();
            if (a instanceof Action.Promote || a instanceof Action.AcquireLeaderLock) t = null;
        }
        return t;
    }

    private static String outcome(Action failed, ActionOutcome outcome) {
        if (failed == null || outcome == null) return "ok";
        String name = failed.getClass().getSimpleName();
        String how = outcome.kind() == ActionOutcome.Kind.REFUSED ? "refused" : "failed";
        return how + ": " + name + (outcome.detail() == null ? "" : " (" + outcome.detail() + ")");
    }

    static boolean has(List<Action> acts, Class<? extends Action> type) {
        return first(acts, type) != null;
    }

    static <T extends Action> T first(List<Action> acts, Class<T> type) {
        for (Action a : acts) {
            if (type.isInstance(a)) return type.cast(a);
        }
        return null;
    }

    static boolean same(String a, String b) {
        return Objects.equals(a, b);
    }
}
