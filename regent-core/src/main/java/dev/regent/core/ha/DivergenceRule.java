package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.TimelineHistory;

/**
 * The rewind-needed rule, applied by the shell to each cycle's observations before the decider runs: may the local
 * data directory have diverged from the leader's timeline, so that it must go through pg_rewind (a no-op when nothing
 * diverged) before following? Sets {@link NodeMemory#rewindOrReinitNeeded()}, which the decider turns into a
 * {@code Rewind} or {@code Reinitialize}; keeps its own state in {@link NodeMemory#checkDivergedLsn()}. Pure.
 *
 * <p>Three cases; Patroni checks the first two after a leader change ({@code trigger_check_diverged_lsn} on every
 * non-leader start), the third covers replicas that never stopped:
 * <ul>
 *   <li>A stopped data directory that was last a primary, while another member holds the lock (a killed primary, or
 *       one whose shutdown checkpoint never reached a replica): its walreceiver would otherwise fail forever on
 *       "requested timeline is not a child of this server's history".</li>
 *   <li>A former primary started as a replica while nobody held the lock (a cold restart of the whole cluster), and
 *       another member then won the race and promoted: its WAL may go past the point where the new timeline forked
 *       off its own. That fork point is read from {@code /history} (the leader writes it after promoting); past it,
 *       the data diverged (Patroni's {@code trigger_check_diverged_lsn} against the leader's timeline history).</li>
 *   <li>Any running replica (never a primary, a demoted primary that kept running, or one restarted after the fork)
 *       that does not stream, whose timeline is older than the one the leader publishes, and whose replay position
 *       is past the point where its timeline forked in {@code /history}. PostgreSQL cannot follow such a fork
 *       ("new timeline N forked off current database system timeline M before current recovery point"; the
 *       walreceiver gets "requested starting point ... is not in this server's history") and would stay behind
 *       forever. The replay position is compared, as Patroni does: WAL received past the fork but not replayed is
 *       either replayed soon (and seen at a later cycle, as this rule runs every cycle) or skipped when the startup
 *       process switches to the new timeline first.</li>
 * </ul>
 */
public final class DivergenceRule {
    private DivergenceRule() {}

    /**
     * The memory after this cycle's check, and the INFO line the shell logs (null when there is nothing to say).
     */
    public record Result(NodeMemory memory, String info) {
        static Result quiet(NodeMemory m) {
            return new Result(m, null);
        }
    }

    /**
     * Notes a divergence risk seen in this cycle's observations.
     *
     * @param cluster               this cycle's DCS snapshot, null when the DCS was unreadable
     * @param local                 this cycle's observation of the local PostgreSQL
     * @param memory                the node memory before the decider runs
     * @param myName                this node's member name
     * @param backgroundTaskRunning a long action (rewind, clone, restart...) is in progress: it owns the data directory
     */
    public static Result note(ClusterView cluster, LocalPostgres local, NodeMemory memory, String myName,
                              boolean backgroundTaskRunning) {
        NodeMemory m = memory;
        if (!local.dataDirEmpty() && stoppedFormerPrimary(local)) {
            m = m.withCheckDivergedLsn(true);  // whatever happens next, check once a new timeline is known
        }
        if (cluster == null || backgroundTaskRunning || m.rewindOrReinitNeeded() || local.dataDirEmpty()
                || cluster.leader() == null) {
            return Result.quiet(m);
        }
        if (cluster.isLeader(myName)) return Result.quiet(m.withCheckDivergedLsn(false));
        if (stoppedFormerPrimary(local)) {
            return new Result(m.withCheckDivergedLsn(false).withRewindOrReinitNeeded(true),
                    "the data directory was last a primary and " + cluster.leader().name()
                            + " holds the lock: checking with pg_rewind before following it");
        }
        if (!local.isReplica()) return Result.quiet(m);
        if (m.checkDivergedLsn()) return startedFormerPrimary(cluster, local, m);
        return "streaming".equals(local.replicationState()) ? Result.quiet(m) : stuckBehindAFork(cluster, local, m);
    }

    /**
     * A running replica that does not stream, on a timeline older than the leader's: rewind when it replayed past the
     * point where its timeline forked (its walreceiver can never follow); otherwise it will follow on its own.
     */
    private static Result stuckBehindAFork(ClusterView cluster, LocalPostgres local, NodeMemory m) {
        int mine = local.timeline();
        Integer leaders = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        if (mine <= 0 || leaders == null || leaders <= mine || cluster.history() == null) return Result.quiet(m);
        Long fork = forkPoint(cluster, mine);
        long position = local.replayLsn() != null ? local.replayLsn() : local.walPosition();
        if (fork == null || position <= fork) return Result.quiet(m);  // no history yet, or it can still follow
        return new Result(m.withRewindOrReinitNeeded(true), "local timeline " + mine + " lsn " + position
                + " is past the point " + fork + " where timeline " + (mine + 1) + " forked off it and "
                + cluster.leader().name() + " is on timeline " + leaders + ": rewind needed");
    }

    /** Where timeline {@code timeline} ended in the leader's {@code /history}, null when not recorded (yet). */
    private static Long forkPoint(ClusterView cluster, int timeline) {
        for (TimelineHistory.Entry e : cluster.history().entries()) {
            if (e.timeline() == timeline) return e.lsn();
        }
        return null;
    }

    private static boolean stoppedFormerPrimary(LocalPostgres local) {
        return local.process() == LocalPostgres.ProcessState.STOPPED && local.wasPrimaryWhenStopped();
    }

    /** A former primary now running as a replica of the leader: compare its WAL with the leader's fork point. */
    private static Result startedFormerPrimary(ClusterView cluster, LocalPostgres local, NodeMemory m) {
        int mine = local.timeline();
        Integer leaders = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        if (mine <= 0 || leaders == null) return Result.quiet(m);
        if (leaders == mine && "streaming".equals(local.replicationState())) {
            // streaming the leader's timeline: PostgreSQL proved our history is its prefix
            return Result.quiet(m.withCheckDivergedLsn(false));
        }
        // Otherwise keep checking: right after winning the race the new leader still publishes our old timeline
        // until its promotion shows up.
        long position = local.replayLsn() != null ? local.replayLsn() : local.walPosition();
        for (TimelineHistory.Entry e : cluster.history().entries()) {
            if (e.timeline() != mine) continue;
            NodeMemory checked = m.withCheckDivergedLsn(false);
            if (position <= e.lsn()) return Result.quiet(checked);
            return new Result(checked.withRewindOrReinitNeeded(true), "local timeline " + mine + " lsn " + position
                    + " is past the point " + e.lsn() + " where " + cluster.leader().name() + " forked timeline "
                    + (mine + 1) + ": rewind needed");
        }
        return Result.quiet(m);  // the new leader has not written its history yet: check again next cycle
    }
}
