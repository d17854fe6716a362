package dev.regent.core.ha;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.SyncState;
import java.util.List;
import java.util.Objects;

/**
 * Whether an operator's {@code POST /switchover} or {@code POST /failover} may be written to the {@code failover} key:
 * Patroni's condition table of {@code do_POST_failover} and its {@code is_failover_possible}, with Patroni's status
 * codes and messages. The REST layer parses the request, asks {@link #check}, then (for an immediate request)
 * {@link #candidates}, asks those members {@code GET /patroni}, and lets {@link #judge} decide. Pure.
 *
 * <p>The request conditions, in Patroni's order (the first that applies answers):
 * <ol>
 *   <li>400 {@code Failover could be performed only to a specific candidate} (failover without candidate);</li>
 *   <li>400 {@code Switchover could be performed only from a specific leader} (switchover without leader);</li>
 *   <li>with {@code scheduled_at}: 400 {@code Failover can't be scheduled}; 400
 *       {@code Can't schedule switchover in the paused state}; else the schedule's own parse error (400/422);</li>
 *   <li>400 {@code Switchover is possible only to a specific candidate in a paused state};</li>
 *   <li>a failover naming a leader is performed as a switchover (Patroni logs a warning);</li>
 *   <li>400 {@code Switchover target and source are the same}.</li>
 * </ol>
 * An immediate request is then checked against the cluster (412, see {@link #candidates} and {@link #judge}); a
 * scheduled one is checked by the leader when it is due.
 */
public final class ManualFailoverFeasibility {
    /** The warning Patroni logs when a failover names a leader. */
    public static final String FAILOVER_WITH_LEADER =
            "received failover request with leader specified - performing switchover instead";

    private ManualFailoverFeasibility() {}

    /**
     * A parsed request.
     *
     * @param action    the endpoint: {@code switchover} or {@code failover}
     * @param leader    the {@code leader} field, null when absent or empty
     * @param candidate the {@code candidate} (or {@code member}) field, null when absent or empty
     * @param scheduled a non-empty {@code scheduled_at} was given
     */
    public record Request(String action, String leader, String candidate, boolean scheduled) {
        public Request {
            if (!"switchover".equals(action) && !"failover".equals(action)) {
                throw new IllegalArgumentException("action must be switchover or failover, not " + action);
            }
        }
    }

    /** The HTTP status and plain-text body that refuse a request. */
    public record Refusal(int status, String message) {
        public Refusal {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The outcome of the request conditions.
     *
     * @param action  the operation to perform: {@code switchover} also for a failover that names a leader
     * @param warning the line to log at WARNING before answering, or null
     * @param refusal the answer refusing the request, or null when it may go on
     */
    public record Verdict(String action, String warning, Refusal refusal) {}

    /**
     * The members to ask before an immediate switchover/failover ({@code toAsk}), or the 412 refusal that needs no
     * member's answer.
     */
    public record Candidates(List<Member> toAsk, Refusal refusal) {
        public Candidates {
            toAsk = List.copyOf(toAsk);
        }
    }

    /**
     * The request conditions (see the class comment), in Patroni's order.
     *
     * @param paused          the cluster is in maintenance mode
     * @param scheduleProblem why {@code scheduled_at} could not be accepted (unparseable, no timezone, in the past),
     *                        or null; it answers only when no earlier condition does
     */
    public static Verdict check(Request r, boolean paused, Refusal scheduleProblem) {
        String action = r.action();
        boolean failover = "failover".equals(action);
        if (failover && r.candidate() == null) {
            return refused(action, 400, "Failover could be performed only to a specific candidate");
        }
        if (!failover && r.leader() == null) {
            return refused(action, 400, "Switchover could be performed only from a specific leader");
        }
        if (r.scheduled()) {
            if (failover) return refused(action, 400, "Failover can't be scheduled");
            if (paused) return refused(action, 400, "Can't schedule switchover in the paused state");
            if (scheduleProblem != null) return new Verdict(action, null, scheduleProblem);
        }
        if (paused && r.candidate() == null) {
            return refused(action, 400, "Switchover is possible only to a specific candidate in a paused state");
        }
        String warning = null;
        if (failover && r.leader() != null) {
            warning = FAILOVER_WITH_LEADER;
            action = "switchover";
        }
        Refusal same = r.leader() != null && r.leader().equals(r.candidate())
                ? new Refusal(400, "Switchover target and source are the same") : null;
        return new Verdict(action, warning, same);
    }

    /**
     * The first half of Patroni's {@code is_failover_possible}: refuse (412) a leader other than the lock holder, a
     * switchover candidate that is not a synchronous standby in {@code on} mode or not a voter in {@code /sync} in
     * quorum mode (Regent; Patroni 4 leaves that to the leader, see below) or is not a member; else the members
     * whose answers decide: the candidate, or (without one) the synchronous standbys in strict synchronous mode (never
     * the leader itself), else every other member with an API URL.
     *
     * @param action the verdict's action ({@code switchover} or {@code failover}), named in the messages
     */
    public static Candidates candidates(ClusterView cluster, String leader, String candidate, String action) {
        ClusterConfig config = cluster.configOrEmpty();
        boolean strictSync = "on".equals(config.synchronousMode());
        // Regent, quorum mode: a switchover goes only to a voter too. Patroni 4 skips this check in quorum mode, writes
        // the key, and its leader then refuses a member outside /sync (ha.py get_failover_candidates), so the request
        // ends in 503 "Switchover failed" after the poll; Regent answers at once, as in on mode
        boolean quorum = "quorum".equals(config.synchronousMode());
        String current = cluster.leader() == null ? null : cluster.leader().name();
        if (leader != null && !leader.equals(current)) return refusedCandidates("leader name does not match");
        List<Member> members;
        if (candidate != null) {
            if ("switchover".equals(action) && (strictSync || quorum) && !isSyncStandby(cluster, candidate)) {
                return refusedCandidates("candidate name does not match with sync_standby");
            }
            members = cluster.members().stream().filter(m -> m.name().equals(candidate)).toList();
            if (members.isEmpty()) return refusedCandidates("candidate does not exists");
        } else if (strictSync) {
            members = cluster.members().stream().filter(m -> isSyncStandby(cluster, m.name())).toList();
            if (members.isEmpty()) return refusedCandidates(action + " is not possible: can not find sync_standby");
        } else {
            members = cluster.members().stream()
                    .filter(m -> !m.name().equals(current) && m.apiUrl() != null).toList();
            if (members.isEmpty()) {
                return refusedCandidates(action + " is not possible: cluster does not have members except leader");
            }
        }
        return new Candidates(members, null);
    }

    /**
     * The second half of {@code is_failover_possible}: feasible (null) when some asked member answered and may be
     * promoted, else 412 {@code <action> is not possible: no good candidates have been found}.
     */
    public static Refusal judge(List<PeerStatus> answers, String action) {
        for (PeerStatus p : answers) {
            if (p.reachable() && !p.noFailover()) return null;
        }
        return new Refusal(412, action + " is not possible: no good candidates have been found");
    }

    /**
     * Listed as a synchronous standby in the {@code sync} key: Patroni's {@code SyncState.matches} without
     * {@code check_leader}, so the primary the state belongs to is no candidate of its own switchover; compared
     * case-insensitively, as PostgreSQL compares {@code synchronous_standby_names}. An empty key (no leader) lists
     * nobody.
     */
    private static boolean isSyncStandby(ClusterView cluster, String name) {
        SyncState sync = cluster.sync();
        if (sync == null || sync.leader() == null || name == null) return false;
        return sync.syncStandbys().stream().anyMatch(s -> s.equalsIgnoreCase(name));
    }

    private static Verdict refused(String action, int status, String message) {
        return new Verdict(action, null, new Refusal(status, message));
    }

    private static Candidates refusedCandidates(String message) {
        return new Candidates(List.of(), new Refusal(412, message));
    }
}
