package dev.regent.core.ha;

import dev.regent.core.model.StandbyCluster;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.ReportDemoted;
import dev.regent.core.ha.action.Action.StartPostgres;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;

/**
 * Postgres is not running although its data directory exists (Patroni's recover()/post_recover(), §6.11): the lock
 * holder restarts a crashed primary in place (bounded by primary_start_timeout), or fails over when the timeout is 0;
 * everybody else starts as a replica of the leader, after pg_rewind or a re-clone when the data diverged. Paused: never
 * start postgres; a lock holder releases its lock.
 */
final class StoppedPostgresRule {
    private StoppedPostgresRule() {}

    static Decision decide(Ctx c) {
        if (c.paused()) {
            if (c.hasLock()) {
                return c.decide("removed leader lock because postgres is not running", new ReleaseLeaderLock());
            }
            return c.decide("postgres is not running");
        }
        if (c.hasLock() && c.memory.startingAsPrimarySince() != 0 && c.memory.startAttached()) {
            // A postmaster we did not start went away: it was dying, not starting (pg_ctl stop -m immediate or a
            // crash shows as "stopping" in postmaster.pid, which is not accepting connections yet alive). That is a
            // crash to recover from in place, not a failed start of ours (Patroni's post_recover follows only its own
            // start). Counting it as our failed start gave the lock up and failed over needlessly.
            c.memory = c.memory.withStartingAsPrimarySince(0);
        } else if (c.hasLock() && c.memory.startingAsPrimarySince() != 0) {
            // we started it as primary and it is down again: give the others a chance (post_recover)
            c.memory = c.memory.withStartingAsPrimarySince(0);
            return c.decide("removed leader key after trying and failing to start postgres", new ReportDemoted(),
                    new ReleaseLeaderLock());
        }
        if (c.hasLock() && !c.lockLapsed() && !c.isStandbyCluster()) return leaderRecovery(c);
        Decision rewind = ReplicaRule.rewindOrReinitialize(c);
        if (rewind != null) return rewind;
        if (c.isStandbyCluster()) return standby(c);
        if (c.hasLock()) {
            return c.decide("starting as readonly because i had the session lock", new StartPostgres(false, null));
        }
        return c.decide("starting as a secondary", new StartPostgres(false, c.nodeToFollow()));
    }

    /**
     * In a standby cluster nobody starts as a primary: the lock holder starts as the standby leader, and while the
     * cluster has no leader every node follows the remote primary (Patroni's recover()).
     */
    private static Decision standby(Ctx c) {
        StandbyCluster sc = c.noStream() ? null : c.standby();
        StartPostgres start = new StartPostgres(false, c.nodeToFollow(), sc);
        if (c.hasLock() && !c.lockLapsed()) {
            return c.decide("starting as a standby leader because i had the session lock", new UpdateLeaderLock(),
                    start);
        }
        if (c.cluster.isUnlocked()) {
            return c.decide("trying to follow a remote member because standby cluster is unhealthy", start);
        }
        return c.decide("starting as a secondary", start);
    }

    private static Decision leaderRecovery(Ctx c) {
        if (c.config().primaryStartTimeout() == 0 && HealthCheck.isFailoverPossible(c, false)) {
            c.infos.add("Primary crashed. Failing over.");
            return c.decide("stopped PostgreSQL to fail over after a crash",
                    new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
        }
        if (c.pg.wasPrimaryWhenStopped() && c.config().primaryStartTimeout() > 0) {
            c.memory = c.memory.withStartingAsPrimarySince(c.in.nowMillis());
            return c.decide("starting primary after failure", new UpdateLeaderLock(), new StartPostgres(true, null));
        }
        return c.decide("starting as readonly because i had the session lock",
                new UpdateLeaderLock(), new StartPostgres(false, null));
    }
}
