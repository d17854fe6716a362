package dev.regent.core.ha;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;

/**
 * A long action occupies the background slot (Patroni's handle_long_action_in_progress): the lock holder only
 * renews its lock; a node that runs a primary without the lock demotes (the executor cancels the task first).
 */
final class LongActionRule {
    private LongActionRule() {}

    static Decision decide(Ctx c) {
        String task = c.in.backgroundTask();
        if (c.hasLock() && !c.lockLapsed()) {
            return c.decide("updated leader lock during " + task, new UpdateLeaderLock());
        }
        boolean bootstrapping = task.contains("bootstrap");
        // "role primary": a running primary, or a postgres we are (re)starting as primary in the background
        boolean primaryRole = c.pg.isPrimary() || c.memory.startingAsPrimarySince() != 0;
        if (!bootstrapping && !c.paused() && primaryRole) {
            return c.decide("lost leader lock during " + task,
                    new Demote(Demote.Mode.IMMEDIATE_NOLOCK, c.leaderName()));
        }
        return c.decide(task + " in progress");
    }
}
