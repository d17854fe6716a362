package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.StandbyCluster;
import dev.regent.core.model.Tags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One decision's view of its input: derived facts used by several rules, plus the memory the rules update.
 * Not thread-safe; lives for one {@link HaDecider#decide} call.
 */
final class Ctx {
    final HaInput in;
    final ClusterView cluster;
    final LocalPostgres pg;
    final HaSettings settings;
    final String me;
    /** Memory carried to the next cycle; rules replace it through the {@code with*} methods. */
    NodeMemory memory;
    /** Lines Patroni logs besides the cycle result (see {@link Decision#warnings()}). */
    final List<String> warnings = new ArrayList<>();
    /** Reasons Patroni logs at INFO while deciding (see {@link Decision#infos()}). */
    final List<String> infos = new ArrayList<>();

    Ctx(HaInput in) {
        this.in = in;
        // failsafe mode: a primary whose POST /failsafe we accepted stands in for an expired leader key
        this.cluster = FailsafeRule.effectiveCluster(in);
        this.pg = in.postgres();
        this.settings = in.settings();
        this.me = settings.name();
        NodeMemory m = in.memory() == null ? NodeMemory.INITIAL : in.memory();
        // A running postgres ends any pending "start as primary" attempt: the start succeeded.
        this.memory = pg.isRunning() ? m.withStartingAsPrimarySince(0) : m;
    }

    /** The dynamic config in force: the cluster's {@code config} key, else the cached one from the settings. */
    ClusterConfig config() {
        return cluster != null && cluster.config() != null ? cluster.config() : settings.dynamic();
    }

    boolean paused() { return config().isPaused(); }

    /** The active {@code standby_cluster} section (Patroni's is_standby_cluster), or null. */
    StandbyCluster standby() { return config().standbyCluster(); }

    boolean isStandbyCluster() { return standby() != null; }

    /**
     * Patroni's _get_node_to_follow in a standby cluster: the standby leader, and everybody while the standby cluster
     * has no leader (unless paused), follow the remote primary. Never with the {@code nostream} tag.
     */
    boolean followsRemote() {
        if (!isStandbyCluster() || noStream()) return false;
        return hasLock() || cluster.isUnlocked() && !paused();
    }

    /**
     * The Follow that makes a running replica follow {@link #nodeToFollow()} (or the remote primary), or null when its
     * recovery configuration already does (same member, same standby cluster settings).
     */
    Action.Follow followAction() {
        StandbyCluster sc = noStream() ? null : standby();  // nostream: no recovery source at all (Patroni)
        String target = followsRemote() ? null : nodeToFollow();
        if (!followsRemote() && target == null && !noStream()) return null;  // no leader: keep primary_conninfo
        if (java.util.Objects.equals(target, pg.followedMember())
                && java.util.Objects.equals(sc, pg.followedStandby())) {
            return null;
        }
        return new Action.Follow(target, sc);
    }

    boolean hasLock() { return cluster != null && cluster.isLeader(me); }

    String leaderName() { return cluster == null || cluster.leader() == null ? null : cluster.leader().name(); }

    /**
     * I held the lock, but my last successful renewal is older than ttl (or the last renewal was refused, which makes
     * the shell reset lockValidUntil to 0). Another node may already be primary: the lease must be treated as lost.
     */
    boolean lockLapsed() {
        return memory.wasLeader() && in.nowMillis() >= memory.lockValidUntil();
    }

    boolean iAmNoFailover() { return Tags.noFailover(settings.tags()); }

    int myPriority() { return Tags.failoverPriority(settings.tags()); }

    long myWal() { return pg.walPosition(); }

    /** Patroni's is_lagging: the last leader optime is more than maximum_lag_on_failover ahead of {@code wal}. */
    boolean isLagging(long wal) {
        return cluster.status().optime() - wal > config().maximumLagOnFailover();
    }

    /**
     * {@link NodeMemory#candidateBehindSince()} for this decision: 0 unless this cycle saw a quorum switchover's
     * candidate behind this node ({@link HealthCheck#manualFailoverNoLeader}).
     */
    long candidateBehindSince;

    /**
     * {@link NodeMemory#stalledInitialize()} for this decision: null unless this cycle saw a stalled bootstrap
     * placeholder ({@link StalledBootstrap}).
     */
    NodeMemory.StalledInitialize stalledInitialize;

    /** Set when this cycle already cleared the failover key, so later rules must not see it any more. */
    boolean failoverCleared;

    Failover failover() { return cluster == null || failoverCleared ? null : cluster.failover(); }

    PeerStatus peer(String name) {
        PeerStatus p = in.peers().get(name);
        return p == null ? PeerStatus.unreachable(name) : p;
    }

    /** Other members that could be asked about their health: have an api_url, are not nofailover (Patroni). */
    List<Member> otherPromotableMembers() {
        List<Member> out = new ArrayList<>();
        for (Member m : FailsafeRule.knownMembers(cluster, config())) {
            if (!m.name().equals(me) && !m.noFailover() && m.apiUrl() != null) out.add(m);
        }
        return out;
    }

    /**
     * Patroni's _get_node_to_follow: null with the {@code nostream} tag; else the {@code replicatefrom} member (or the
     * leader when no such member key exists); else the leader (null when unlocked). Never me.
     */
    String nodeToFollow() {
        if (Tags.isTrue(settings.tags().get("nostream"))) return null;
        if (followsRemote()) return null;
        String target = leaderName();
        Object rf = settings.tags().get("replicatefrom");
        if (rf != null && !rf.toString().equals(me)) {
            Optional<Member> m = cluster.member(rf.toString());
            if (m.isPresent()) target = m.get().name();
        }
        return me.equals(target) ? null : target;
    }

    boolean noStream() { return Tags.isTrue(settings.tags().get("nostream")); }

    /**
     * Patroni's get_clone_member, made deterministic: the first (by name) running member tagged {@code clonefrom}
     * with a conn_url, excluding me and the leader; else the leader; null when unlocked and none qualifies.
     */
    String cloneMember() {
        String leader = leaderName();
        for (Member m : cluster.members()) {
            if (m.name().equals(me) || m.name().equals(leader)) continue;
            if (m.cloneFrom() && m.isRunning() && m.connUrl() != null) return m.name();
        }
        return leader;
    }

    Decision decide(String message, Action... actions) {
        return decide(message, Arrays.asList(actions));
    }

    Decision decide(String message, List<Action> actions) {
        return new Decision(actions, message, memory, warnings, infos);
    }
}
