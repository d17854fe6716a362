package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import java.util.ArrayList;
import java.util.List;

/**
 * Postgres runs but does not accept connections yet and this node holds the lock, not paused (Patroni's
 * handle_starting_instance): keep renewing, give up after primary_start_timeout when a failover is possible.
 */
final class StartingRule {
    private StartingRule() {}

    static Decision decide(Ctx c) {
        if (c.lockLapsed()) {
            c.infos.add("Lost lock while starting up. Demoting self.");
            return c.decide("stopped PostgreSQL while starting up because leader key was lost",
                    new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
        }
        if (c.memory.startingAsPrimarySince() == 0) {
            c.memory = c.memory.withAttachedStartSince(c.in.nowMillis()); // we attached to a starting postgres
        }
        long elapsed = (c.in.nowMillis() - c.memory.startingAsPrimarySince()) / 1000;
        long timeLeft = timeout(c) - elapsed;
        if (timeLeft <= 0) {
            if (HealthCheck.isFailoverPossible(c, false)) {
                c.infos.add("Demoting self because primary startup is taking too long");
                c.memory = c.memory.withStartingAsPrimarySince(0);
                return c.decide("stopped PostgreSQL because of startup timeout",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
            }
            return c.decide("primary start has timed out, but continuing to wait because failover is not possible",
                    new UpdateLeaderLock());
        }
        List<Action> actions = new ArrayList<>(List.of(new UpdateLeaderLock()));
        ManualFailoverRule.Result manual = ManualFailoverRule.fromLeader(c);
        if (manual != null) {
            actions.addAll(manual.actions());
            if (manual.demote()) return c.decide(manual.message(), actions);
        }
        return c.decide("PostgreSQL is still starting up, " + timeLeft + " seconds until timeout", actions);
    }

    /**
     * primary_start_timeout for a start of our own. A postgres this node attached to (it did not start it, e.g. a
     * status query failed on a live postmaster under load) gets at least ttl: Patroni applies the start timeout only
     * to its own starts and otherwise only stops renewing the lock, which lapses after ttl. Without this, a
     * primary_start_timeout of 0 demoted a healthy primary after one failed query.
     */
    private static long timeout(Ctx c) {
        long start = c.config().primaryStartTimeout();
        return c.memory.startAttached() ? Math.max(start, c.config().ttl()) : start;
    }
}
