package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.RestartPostgres;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;

/**
 * Operator commands queued by the REST API (§6.15). Restart keeps the role (the lock holder renews first and its
 * start is bounded by primary_start_timeout); reinitialize is refused (a warning) on the leader and without a leader.
 * Reload is
 * handled by {@link HaDecider} as a prefix of any decision.
 */
final class CommandRule {
    private CommandRule() {}

    /**
     * The decision of an accepted restart/reinitialize command, which replaces the cycle's normal decision; null when
     * none is queued or it was refused (the refusal becomes a warning and the cycle proceeds normally).
     */
    static Decision decide(Ctx c) {
        for (Command cmd : c.in.commands()) {
            if (cmd instanceof Command.Reinitialize r) return reinitialize(c, r);
            if (cmd instanceof Command.Restart r) return restart(c, r);
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

    private static Decision reinitialize(Ctx c, Command.Reinitialize r) {
        String refusal = ReinitializeConditions.refusal(c.cluster, c.me);
        if (refusal != null) return refuse(c, refusal);
        String from = r.fromLeader() ? c.leaderName() : c.cloneMember();
        c.memory = c.memory.withRewindOrReinitNeeded(false);
        return c.decide("reinitialize started", new Reinitialize(from, r.fromLeader()));
    }

    private static Decision refuse(Ctx c, String why) {
        c.warnings.add(why);
        return null;
    }
}
