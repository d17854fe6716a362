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
        if (c.pg.isPrimary()) return c.decide("acquired session lock as a leader", actions);
        actions.add(new Promote());
        return c.decide("promoted self to leader by acquiring session lock", actions);
    }
}
