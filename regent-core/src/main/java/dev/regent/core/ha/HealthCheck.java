package dev.regent.core.ha;

import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader-race and failover-feasibility checks of Patroni's ha.py ({@code is_healthiest_node},
 * {@code _is_healthiest_node}, {@code manual_failover_process_no_leader}, {@code is_failover_possible}) over the
 * peer answers the shell fetched. Pure; every method reads only the given {@link Ctx}. Synchronous and quorum modes
 * (§6.10) are not taken into account here.
 */
final class HealthCheck {
    private HealthCheck() {}

    /** Patroni's is_healthiest_node for an unlocked cluster. */
    static boolean isHealthiestNode(Ctx c) {
        if (c.memory.preferNoRaceUntil() > c.in.nowMillis()) {
            // backoff after a failed pre_promote released the lock voluntarily
            c.infos.add("backoff: skip leader race after pre_promote script failure and releasing the lock"
                    + " voluntarily");
            return false;
        }
        Failover f = c.failover();
        if (c.paused() && !c.iAmNoFailover() && f != null && f.scheduledAt() == null) {
            return c.me.equals(f.candidate()); // paused: only the named candidate of a manual failover may race
        }
        if (c.pg.process() == LocalPostgres.ProcessState.STARTING) return false;
        if (c.pg.isPrimary()) {
            if (c.paused()) {
                String init = c.cluster.initialize();
                return init == null || init.isEmpty() || init.equals(c.pg.systemId());
            }
            return c.pg.timeline() >= c.cluster.timeline();
        }
        if (c.paused()) return false;
        if (c.iAmNoFailover()) return false;
        if (f != null) return manualFailoverNoLeader(c, f);
        return isHealthiestAmong(c, c.otherPromotableMembers(), true);
    }

    /** Patroni's manual_failover_process_no_leader: candidate side of a pending switchover/failover. */
    static boolean manualFailoverNoLeader(Ctx c, Failover f) {
        if (f.candidate() != null && !f.candidate().isEmpty()) {
            if (f.candidate().equals(c.me)) return true;
            boolean exists = c.cluster.member(f.candidate()).isPresent();
            if (exists && failoverLimitation(c, c.peer(f.candidate())) == null) {
                return false; // the named candidate is healthy: let it take the lock
            }
            // the named candidate is missing or unhealthy: any member may now be chosen
        } else if (c.paused()) {
            return false;
        }
        if (f.leader() != null && !f.leader().isEmpty()) {
            if (f.leader().equals(c.me)) {
                // I was the leader: win only if nobody else (except the unhealthy candidate) could take over
                return !isFailoverPossible(c, f.candidate() != null && !f.candidate().isEmpty());
            }
            List<Member> others = new ArrayList<>();
            for (Member m : c.otherPromotableMembers()) {
                if (!m.name().equals(f.leader())) others.add(m);
            }
            return isHealthiestAmong(c, others, false);
        }
        return isHealthiestAmong(c, c.otherPromotableMembers(), false);
    }

    /**
     * Patroni's _is_healthiest_node: my lag and timeline, then every reachable promotable peer: a primary wins, a peer
     * ahead wins, an equal peer with a higher failover_priority wins. Unreachable peers are ignored.
     */
    static boolean isHealthiestAmong(Ctx c, List<Member> members, boolean checkLag) {
        long myWal = c.myWal();
        if (checkLag && c.isLagging(myWal)) {
            c.infos.add("My wal position exceeds maximum replication lag");
            return false;
        }
        if (c.config().checkTimeline()) {
            if (c.pg.timeline() <= 0) {
                c.infos.add("Can not figure out my timeline");
                return false;
            }
            if (c.pg.timeline() < c.cluster.timeline()) {
                c.infos.add("My timeline " + c.pg.timeline() + " is behind last known cluster timeline "
                        + c.cluster.timeline());
                return false;
            }
        }
        for (Member m : members) {
            if (m.name().equals(c.me) || m.noFailover()) continue;
            PeerStatus st = c.peer(m.name());
            if (failoverLimitation(c, st) != null) continue;
            if (st.primary()) {
                c.warnings.add("Primary (" + m.name() + ") is still alive");
                return false;
            }
            if (st.walPosition() > myWal) {
                c.infos.add("Wal position of " + m.name() + " is ahead of my wal position");
                return false;
            }
            // priorities only count among peers whose postgres reports a position (Patroni: wal_position > 0)
            if (st.walPosition() > 0 && st.walPosition() == myWal && st.failoverPriority() > c.myPriority()) {
                c.infos.add(m.name() + " has equally tolerable WAL position and priority " + st.failoverPriority()
                        + ", while this node has priority " + c.myPriority());
                return false;
            }
        }
        return true;
    }

    /** Why the peer can not be promoted (Patroni's failover_limitation), or null when it can. */
    static String failoverLimitation(Ctx c, PeerStatus st) {
        if (!st.reachable()) return "not reachable";
        if (st.noFailover()) return "not allowed to promote";
        return null;
    }

    /**
     * Patroni's is_failover_possible (leader side): some candidate is reachable, promotable, not lagging more than
     * maximum_lag_on_failover behind {@code status.optime} and (check_timeline) not on an older timeline.
     * Candidates are
     * the other members, or only the failover key's candidate when one is named (unless {@code excludeCandidate}).
     */
    static boolean isFailoverPossible(Ctx c, boolean excludeCandidate) {
        Failover f = c.failover();
        String named = f == null || f.candidate() == null || f.candidate().isEmpty() ? null : f.candidate();
        // every candidate is checked (not only up to the first good one): Patroni logs why each one is not eligible
        boolean possible = false;
        for (Member m : c.cluster.members()) {
            if (m.name().equals(c.me) || m.noFailover() || m.apiUrl() == null) continue;
            if (named != null && excludeCandidate && m.name().equals(named)) continue;
            if (named != null && !excludeCandidate && !m.name().equals(named)) continue;
            PeerStatus st = c.peer(m.name());
            String limitation = failoverLimitation(c, st);
            if (limitation != null) {
                c.infos.add("Member " + m.name() + " is " + limitation);
            } else if (c.isLagging(st.walPosition())) {
                c.infos.add("Member " + m.name() + " exceeds maximum replication lag");
            } else if (c.config().checkTimeline() && (st.timeline() <= 0 || st.timeline() < c.cluster.timeline())) {
                c.infos.add("Timeline " + (st.timeline() <= 0 ? "None" : st.timeline()) + " of member " + m.name()
                        + " is behind the cluster timeline " + c.cluster.timeline());
            } else {
                possible = true;
            }
        }
        return possible;
    }
}
