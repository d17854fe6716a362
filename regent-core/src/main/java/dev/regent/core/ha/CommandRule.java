package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.RestartPostgres;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;

/**
 * Operator commands queued by the REST API (§6.15). Restart keeps the role (the lock holder renews first and its
 * start is bounded by primary_start_timeout); reinitialize is refused on the leader and without a leader. Reload is
 * handled by {@link HaDecider} as a prefix of any decision.
 */
final class CommandRule {
    /** An accepted command replaces the cycle's decision; a refused one only replaces its message. */
    record Outcome(Decision decision, String refusal) {}

    private CommandRule() {}

    /** Null when no restart/reinitialize command is queued. */
    static Outcome decide(Ctx c) {
        for (Command cmd : c.in.commands()) {
            if (cmd instanceof Command.Reinitialize r) return reinitialize(c, r);
            if (cmd instanceof Command.Restart r) return new Outcome(restart(c, r), null);
        }
        return null;
    }

    private static Decision restart(Ctx c, Command.Restart r) {
        if (c.hasLock() && !c.lockLapsed()) {
            if (c.pg.isPrimary()) c.memory = c.memory.withStartingAsPrimarySince(c.in.nowMillis());
            return c.decide("restart initiated", new UpdateLeaderLock(), new RestartPostgres(r.timeoutSeconds()));
        }
        return c.decide("restart initiated", new RestartPostgres(r.timeoutSeconds()));
    }

    private static Outcome reinitialize(Ctx c, Command.Reinitialize r) {
        if (c.cluster.isUnlocked()) return new Outcome(null, "Cluster has no leader, can not reinitialize");
        if (c.hasLock()) return new Outcome(null, "I am the leader, can not reinitialize");
        String from = r.fromLeader() ? c.leaderName() : c.cloneMember();
        c.memory = c.memory.withRewindOrReinitNeeded(false);
        return new Outcome(c.decide("reinitialize started", new Reinitialize(from)), null);
    }
}
