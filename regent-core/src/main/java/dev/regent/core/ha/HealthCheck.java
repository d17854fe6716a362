package dev.regent.core.ha;

import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.sync.SwitchoverCatchUp;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader-race and failover-feasibility checks of Patroni's ha.py ({@code is_healthiest_node},
 * {@code _is_healthiest_node}, {@code manual_failover_process_no_leader}, {@code is_failover_possible}) over the
 * peer answers the shell fetched. Pure; every method reads only the given {@link Ctx}. In synchronous mode (§6.10,
 * {@code /sync} names a leader) only the members in {@code /sync} race ({@code on}), and in quorum mode a candidate
 * needs {@code /sync.quorum} votes from the voters that are not ahead of it.
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
        // Regent, failsafe mode: no manual failover promotes beside a member that still answers as a running primary
        // (Patroni promotes the candidate at once, beside a primary that failsafe kept running without the DCS after
        // its leader key expired: simulator, seed 3117). A leader that handed over has demoted itself first.
        if (!c.paused() && f != null && FailsafeRule.enabled(c.config())) {
            for (PeerStatus p : c.in.peers().values()) {
                if (p.reachable() && p.primary() && !p.name().equals(c.me)) {
                    c.warnings.add("Primary (" + p.name() + ") is still alive");
                    return false;
                }
            }
        }
        if (c.paused() && !c.iAmNoFailover() && f != null && f.scheduledAt() == null) {
            // paused: only the named candidate of a manual failover may race; in quorum mode the candidate of a
            // switchover only with its quorum of votes, as unpaused (simulator, seed 4729: a stalled voter named)
            if (!c.me.equals(f.candidate())) return false;
            return !quorumSwitchover(c, f) || isHealthiestAmong(c, c.cluster.members(), false);
        }
        if (c.pg.process() == LocalPostgres.ProcessState.STARTING) return false;
        if (c.pg.isPrimary()) {
            if (c.paused()) {
                String init = c.cluster.initialize();
                if (init != null && !init.isEmpty() && !init.equals(c.pg.systemId())) return false;
                // Regent, stricter than Patroni 4 (which skips the timeline check in pause): a primary on an older
                // timeline than /history's was superseded by a promotion, and taking the lock would discard it and
                // every commit acknowledged on the newer timeline (a frozen old primary resumed in pause beside the
                // failsafe primary that promoted past it: simulator, fast profile, seed 2729). The newer primary, if
                // it runs, takes the lock by this same rule; otherwise the cluster waits for the operator.
                if (c.pg.timeline() > 0 && c.pg.timeline() < c.cluster.timeline()) {
                    c.warnings.add("My timeline " + c.pg.timeline() + " is behind last known cluster timeline "
                            + c.cluster.timeline());
                    return false;
                }
                // the same when the newer primary answers but /history missed its promotion (its write was lost)
                for (PeerStatus p : c.in.peers().values()) {
                    if (!p.name().equals(c.me) && p.reachable() && p.running() && p.primary()
                            && c.pg.timeline() > 0 && p.timeline() > c.pg.timeline()) {
                        c.warnings.add("My timeline " + c.pg.timeline() + " is behind the timeline " + p.timeline()
                                + " of primary " + p.name());
                        return false;
                    }
                }
                return true;
            }
            return c.pg.timeline() >= c.cluster.timeline();
        }
        if (c.paused()) return false;
        if (c.iAmNoFailover()) return false;
        if (f != null) {
            // a switchover in synchronous mode: only the synchronous standbys and the former leader may race
            boolean switchover = f.leader() != null && !f.leader().isEmpty();
            if (switchover && SyncRule.active(c) && !SyncRule.matches(c.cluster.sync(), c.me)) return false;
            return manualFailoverNoLeader(c, f);
        }
        if (!c.in.watchdogUsable()) {
            c.warnings.add("Watchdog device is not usable");
            return false;
        }
        if (FailsafeRule.excludedFromRace(c)) return false;
        if (SyncRule.active(c)) {
            if (!SyncRule.quorumActive(c) && !SyncRule.matches(c.cluster.sync(), c.me)) {
                c.infos.add("following a different leader because I am not a synchronous standby");
                return false;
            }
            // pick between synchronous candidates only, so a failover never goes to an asynchronous standby
            List<Member> syncMembers = new ArrayList<>();
            for (Member m : c.cluster.members()) {
                if (SyncRule.matches(c.cluster.sync(), m.name())) syncMembers.add(m);
            }
            return isHealthiestAmong(c, syncMembers, true);
        }
        return isHealthiestAmong(c, c.otherPromotableMembers(), true);
    }

    /** Patroni's manual_failover_process_no_leader: candidate side of a pending switchover/failover. */
    static boolean manualFailoverNoLeader(Ctx c, Failover f) {
        if (f.candidate() != null && !f.candidate().isEmpty()) {
            boolean quorumSwitchover = quorumSwitchover(c, f);
            if (f.candidate().equals(c.me)) {
                // Regent, quorum mode: the switchover candidate wins only as any race winner would, with the quorum
                // of votes and nobody but the former leader ahead (Patroni 4 promotes it at once, even when it
                // stalled before the leader's shutdown: simulator seeds 4544, 845)
                if (quorumSwitchover) return isHealthiestAmong(c, c.cluster.members(), false);
                return true;
            }
            // synchronous (not quorum) mode: a member outside /sync takes no action, even for an unhealthy candidate
            if (SyncRule.mode(c) == dev.regent.core.sync.SyncMode.ON && !SyncRule.matches(c.cluster.sync(), c.me)) {
                return false;
            }
            boolean exists = c.cluster.member(f.candidate()).isPresent();
            PeerStatus candidate = c.peer(f.candidate());
            if (exists && failoverLimitation(c, candidate) == null) {
                // a candidate behind me sees me ahead and stands back (above): it is no candidate to wait for
                if (!quorumSwitchover || f.leader().equals(c.me) || !behindMe(c, candidate)) {
                    return false; // the named candidate is healthy: let it take the lock
                }
                // Behind on one probe is not yet behind: the former leader's last WAL (its shutdown checkpoint) may
                // still be on its way to the candidate, or its answer may come from its last cycle. Only a candidate
                // that stays behind for a loop_wait is passed over (seen in CI: a switchover taken by the other voter).
                long now = c.in.nowMillis();
                long since = c.memory.candidateBehindSince() > 0 ? c.memory.candidateBehindSince() : Math.max(1, now);
                c.candidateBehindSince = since;
                if (now - since < c.in.settings().loopWaitSeconds() * 1000L) {
                    c.infos.add(f.actionName() + ": member " + f.candidate() + " is behind this node; waiting for it"
                            + " to catch up");
                    return false;
                }
                c.infos.add(f.actionName() + ": member " + f.candidate() + " is behind this node and can not win the"
                        + " quorum vote");
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

    /** A switchover (the failover key names a leader) in active quorum mode. */
    private static boolean quorumSwitchover(Ctx c, Failover f) {
        return f.leader() != null && !f.leader().isEmpty() && SyncRule.quorumActive(c);
    }

    /** The peer reports a WAL position behind mine ({@link #compareToMine}); 0 (postgres down) is not behind. */
    private static boolean behindMe(Ctx c, PeerStatus st) {
        return st.walPosition() > 0 && c.myWal() > 0 && compareToMine(c, st, true) < 0;
    }

    /**
     * Where the peer's WAL stands against mine: positive when ahead, 0 equal, negative behind. With {@code timelines}
     * (synchronous mode) and both timelines known, a newer timeline is ahead whatever the positions: a member on an
     * older timeline than a peer's cannot hold what was written on the newer one, however far it wrote on its own (a
     * frozen old primary that went on writing on its old timeline otherwise looks ahead of the promoted timeline's
     * voters and wins the quorum race without their commits: simulator, seeds 245, 1543, 5657). Otherwise positions,
     * as Patroni compares them.
     */
    static int compareToMine(Ctx c, PeerStatus st, boolean timelines) {
        int mine = c.pg.timeline();
        if (timelines && mine > 0 && st.timeline() > 0 && st.walPosition() > 0 && st.timeline() != mine) {
            return Integer.compare(st.timeline(), mine);
        }
        return Long.compare(st.walPosition(), c.myWal());
    }

    /**
     * Patroni's _is_healthiest_node: my lag and timeline, then every reachable promotable peer: a primary wins, a peer
     * ahead wins, an equal peer with a higher failover_priority wins. Unreachable peers are ignored. In synchronous
     * mode "ahead" compares timelines first ({@link #compareToMine}).
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
        boolean syncActive = SyncRule.active(c);
        boolean quorumActive = SyncRule.quorumActive(c);
        dev.regent.core.model.SyncState sync = c.cluster.sync();
        java.util.Set<String> voters = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        if (quorumActive) voters.addAll(sync.syncStandbys());
        // a voter that is not ahead of me votes for me; I count myself when I am a voter
        int votes = voters.contains(c.me) ? 0 : -1;
        int ahead = 0;
        String formerLeader = syncActive ? sync.leader() : null;
        for (Member m : members) {
            if (m.name().equals(c.me) || m.apiUrl() == null || m.noFailover() && !voters.contains(m.name())) continue;
            PeerStatus st = c.peer(m.name());
            if (failoverLimitation(c, st) != null) continue;
            if (st.primary()) {
                c.warnings.add("Primary (" + m.name() + ") is still alive");
                return false;
            }
            int order = compareToMine(c, st, syncActive);
            // Regent, failsafe mode: a member missing from /failsafe can never win while that topology stands, so
            // its WAL (a stale primary's, frozen past a failover) must not hold back the others, or nobody leads
            // (simulator, seed 855), nor its failover_priority; but a voter of it that is not ahead still votes, as
            // it holds nothing I lack (skipping its vote left a quorum switchover candidate unable to ever win and
            // the cluster without primary: simulator, seed 7499)
            boolean outside = FailsafeRule.outsideTopology(c, m.name());
            if (outside && order > 0) continue;
            if (order > 0) {
                ahead++;
                if (st.timeline() > c.pg.timeline() && syncActive && c.pg.timeline() > 0) {
                    c.infos.add("Timeline " + st.timeline() + " of " + m.name() + " is ahead of my timeline "
                            + c.pg.timeline());
                } else {
                    c.infos.add("Wal position of " + m.name() + " is ahead of my wal position");
                }
                // in synchronous mode the former leader may still answer, even ahead of us: it does not disqualify
                if (!syncActive || !m.name().equalsIgnoreCase(sync.leader())) return false;
                c.infos.add("Ignoring the former leader being ahead of us");
            } else if (st.walPosition() > 0) { // only members whose postgres reports a position vote or compete
                boolean vote = voters.contains(m.name());
                boolean lowPriority = !outside && order == 0 && st.failoverPriority() > c.myPriority();
                if (lowPriority && m.name().equalsIgnoreCase(formerLeader)) {
                    c.infos.add("Ignoring former leader " + formerLeader + " having priority " + st.failoverPriority()
                            + " higher than this nodes " + c.myPriority() + " priority");
                    lowPriority = false;
                }
                if (lowPriority && (!syncActive || vote)) {
                    c.infos.add(m.name() + " has equally tolerable WAL position and priority "
                            + st.failoverPriority() + ", while this node has priority " + c.myPriority());
                    return false;
                }
                if (vote) {
                    c.infos.add("Got quorum vote from " + m.name());
                    votes++;
                }
            }
        }
        // quorum mode: enough votes, or I am the /sync leader and nobody is ahead of me
        return !quorumActive || votes >= sync.quorum() || ahead == 0 && c.me.equals(sync.leader());
    }

    /**
     * Quorum mode: whether {@code name} could ever win the race under {@code sync}: the /sync leader may (nobody ahead),
     * a voter needs {@code quorum} votes of the other voters, anyone else {@code quorum + 1}. A member that cannot is no
     * candidate for the former leader to step aside for: with /sync naming no voter (a promotion that found no
     * standby to keep), the old leader deferred to a replica that could never gather a vote and the cluster stayed
     * without primary (found by the simulator, seeds 419 and 1001; Patroni 4 counts such a member as healthy too).
     */
    static boolean canGatherVotes(dev.regent.core.model.SyncState sync, String name) {
        if (name.equalsIgnoreCase(sync.leader())) return true;
        boolean voter = sync.syncStandbys().stream().anyMatch(v -> v.equalsIgnoreCase(name));
        long others = sync.syncStandbys().stream().filter(v -> !v.equalsIgnoreCase(name)).count();
        return others >= sync.quorum() + (voter ? 0 : 1);
    }

    /** Why the peer can not be promoted (Patroni's failover_limitation), or null when it can. */
    static String failoverLimitation(Ctx c, PeerStatus st) {
        if (!st.reachable()) return "not reachable";
        if (st.noFailover()) return "not allowed to promote";
        if (st.watchdogFailed()) return "not watchdog capable";
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
        // synchronous (not quorum) mode: only the synchronous standbys are candidates
        boolean syncOnly = SyncRule.active(c) && !SyncRule.quorumActive(c);
        boolean unnamedQuorum = SyncRule.quorumActive(c) && !(named != null && !excludeCandidate);
        boolean switchover = f != null && f.leader() != null && !f.leader().isEmpty();
        // Regent, quorum mode: the named candidate of a switchover must also be caught up (SwitchoverCatchUp)
        boolean caughtUpCheck = switchover && SyncRule.quorumActive(c) && named != null && !excludeCandidate;
        String notCaughtUp;
        // every candidate is checked (not only up to the first good one): Patroni logs why each one is not eligible
        int good = 0;
        for (Member m : c.cluster.members()) {
            if (m.name().equals(c.me) || m.noFailover() || m.apiUrl() == null) continue;
            if (named != null && excludeCandidate && m.name().equals(named)) continue;
            if (named != null && !excludeCandidate && !m.name().equals(named)) continue;
            if (syncOnly && !c.cluster.sync().syncStandbys().stream().anyMatch(s -> s.equalsIgnoreCase(m.name()))) {
                continue;
            }
            // a switchover in synchronous mode (quorum too): only /sync members may race (see isHealthiest), so the
            // leader steps aside only for one of them; a non-voter named in quorum mode refused to race after the
            // leader had stepped aside for it, and the cluster stayed without primary (simulator, seed 1001)
            if (switchover && SyncRule.active(c) && !SyncRule.matches(c.cluster.sync(), m.name())) {
                c.infos.add("Member " + m.name() + " is not a synchronous standby");
                continue;
            }
            PeerStatus st = c.peer(m.name());
            String limitation = failoverLimitation(c, st);
            if (limitation != null) {
                c.infos.add("Member " + m.name() + " is " + limitation);
            } else if (c.isLagging(st.walPosition())) {
                c.infos.add("Member " + m.name() + " exceeds maximum replication lag");
            } else if (c.config().checkTimeline() && (st.timeline() <= 0 || st.timeline() < c.cluster.timeline())) {
                c.infos.add("Timeline " + (st.timeline() <= 0 ? "None" : st.timeline()) + " of member " + m.name()
                        + " is behind the cluster timeline " + c.cluster.timeline());
            } else if (caughtUpCheck && (notCaughtUp = SwitchoverCatchUp.problem(c.in.sync(), m.name())) != null) {
                c.infos.add("Member " + m.name() + " " + notCaughtUp);
            } else if (unnamedQuorum && !canGatherVotes(c.cluster.sync(), m.name())) {
                c.infos.add("Member " + m.name() + " can not gather the quorum of votes");
            } else {
                good++;
            }
        }
        // quorum mode needs enough healthy voters, unless a candidate was named
        boolean checkQuorum = unnamedQuorum;
        if (checkQuorum && good - 1 < c.cluster.sync().quorum()) {
            c.infos.add("Quorum requirement " + c.cluster.sync().quorum() + " can not be reached");
            return false;
        }
        return good > 0;
    }
}
