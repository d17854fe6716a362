package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.TimelineHistory;

/**
 * The rewind-needed rule, applied by the shell to each cycle's observations before the decider runs: may the local
 * data directory have diverged from the leader's timeline, so that it must go through pg_rewind (a no-op when nothing
 * diverged) before following? Sets {@link NodeMemory#rewindOrReinitNeeded()}, which the decider turns into a
 * {@code Rewind} or {@code Reinitialize}; keeps its own state in {@link NodeMemory#checkDivergedLsn()}. Pure.
 *
 * <p>Two cases, both of which Patroni checks after a leader change:
 * <ul>
 *   <li>A stopped data directory that was last a primary, while another member holds the lock (a killed primary, or
 *       one whose shutdown checkpoint never reached a replica): its walreceiver would otherwise fail forever on
 *       "requested timeline is not a child of this server's history".</li>
 *   <li>A former primary started as a replica while nobody held the lock (a cold restart of the whole cluster), and
 *       another member then won the race and promoted: its WAL may go past the point where the new timeline forked
 *       off its own. That fork point is read from {@code /history} (the leader writes it after promoting); past it,
 *       the data diverged (Patroni's {@code trigger_check_diverged_lsn} against the leader's timeline history).</li>
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
        return m.checkDivergedLsn() && local.isReplica() ? startedFormerPrimary(cluster, local, m) : Result.quiet(m);
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
