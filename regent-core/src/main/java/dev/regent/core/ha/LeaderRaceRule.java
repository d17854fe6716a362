package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.ClearFailover;
import dev.regent.core.ha.action.Action.KeepFailoverCandidate;
import dev.regent.core.ha.action.Action.Promote;
import dev.regent.core.model.Failover;
import java.util.ArrayList;
import java.util.List;

/**
 * Nobody holds the lock and postgres accepts connections (Patroni's process_unhealthy_cluster, §6.5): the healthiest
 * node creates the leader key and, once that succeeded, consumes the failover key and promotes. The others stay
 * replicas (a primary among them demotes). Several nodes may consider themselves healthiest; the atomic create of
 * the leader key decides, which is why Promote always comes after AcquireLeaderLock.
 */
final class LeaderRaceRule {
    private LeaderRaceRule() {}

    static Decision decide(Ctx c) {
        List<Action> prefix = clearVanishedPausedCandidate(c);
        Decision d = race(c);
        if (prefix.isEmpty()) return d;
        List<Action> actions = new ArrayList<>(prefix);
        actions.addAll(d.actions());
        return c.decide(d.message(), actions);
    }

    /**
     * Paused, a manual failover names a candidate whose member key is gone, and I run the primary: only I clear the
     * key, so nobody waits for that candidate forever (Patroni's manual_failover_process_no_leader in pause).
     */
    private static List<Action> clearVanishedPausedCandidate(Ctx c) {
        Failover f = c.failover();
        if (!c.paused() || c.iAmNoFailover() || f == null || f.scheduledAt() != null || !c.pg.isPrimary()) {
            return List.of();
        }
        String candidate = f.candidate();
        if (candidate == null || candidate.isEmpty() || candidate.equals(c.me)
                || c.cluster.member(candidate).isPresent()) {
            return List.of();
        }
        c.warnings.add(f.actionName() + ": removing failover key because failover candidate is not running");
        c.failoverCleared = true;
        return List.of(new ClearFailover(f.version()));
    }

    private static Decision race(Ctx c) {
        if (HealthCheck.isHealthiestNode(c)) return win(c);
        if (c.iAmNoFailover()) {
            return ReplicaRule.follow(c, "demoting self because I am not allowed to become primary",
                    "following a different leader because I am not allowed to promote");
        }
        return ReplicaRule.follow(c, "demoting self because i am not the healthiest node",
                "following a different leader because i am not the healthiest node");
    }

    private static Decision win(Ctx c) {
        List<Action> actions = new ArrayList<>(List.of(new AcquireLeaderLock()));
        Failover f = c.failover();
        if (f != null) {
            boolean pausedSwitchover = c.paused() && f.leader() != null && !f.leader().isEmpty()
                    && f.candidate() != null && !f.candidate().isEmpty();
            actions.add(pausedSwitchover ? new KeepFailoverCandidate(f.version(), f.candidate())
                    : new ClearFailover(f.version()));
        }
        // the standby leader disappeared and this is the healthiest replica: follow the remote primary (Patroni)
        if (c.isStandbyCluster()) return StandbyLeaderRule.won(c, actions);
        if (c.pg.isPrimary()) {
            actions.addAll(SyncRule.primary(c));
            return c.decide("acquired session lock as a leader", actions);
        }
        actions.addAll(LeaderRule.prepareSlots(c));
        // before accepting writes, the new primary publishes itself in /sync and sets synchronous_standby_names
        actions.addAll(SyncRule.beforePromote(c));
        actions.add(new Promote());
        return c.decide("promoted self to leader by acquiring session lock", actions);
    }
}
