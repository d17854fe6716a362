package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.StandbyCluster;
import java.util.List;

/**
 * The rewind check of a standby leader against the remote primary it follows (Patroni's _check_timeline_and_lsn with
 * the remote member as leader): a cluster's former primary, demoted into a standby cluster of a cluster that was
 * promoted before (promote-cluster, then demote-cluster), may hold WAL past the point where the remote primary's
 * timeline forked off its own (at least its shutdown checkpoint). PostgreSQL can never follow from there ("new
 * timeline N forked off current database system timeline M before current recovery point"); pg_rewind from the remote
 * primary can. The remote's timeline and history are not in this cluster's DCS: the shell reads them over a
 * replication connection ({@code IDENTIFY_SYSTEM}, {@code TIMELINE_HISTORY}) when {@link #asks} says so. Pure.
 */
public final class RemotePrimaryDivergence {
    private RemotePrimaryDivergence() {}

    /** A line of the remote primary's timeline history file: the parent timeline and where the child forked off. */
    public record Fork(int parentTimeline, long switchpoint) {}

    /** The remote primary's timeline and the lines of its history file, oldest first (none on timeline 1). */
    public record Remote(int timeline, List<Fork> history) {
        public Remote {
            history = List.copyOf(history);
        }
    }

    /** The memory after a check, and the INFO line the shell logs (null when there is nothing to say). */
    public record Result(NodeMemory memory, String info) {}

    /**
     * True when the shell should read the remote primary's timeline in this cycle: this node is a member of a standby
     * cluster that streams from a remote primary, its postgres runs as a replica that does not stream (a streaming
     * walreceiver proves the histories agree), no long action owns the data directory, no rewind is pending already,
     * and a check is due: on the standby leader after a demote-cluster ({@link NodeMemory#checkDivergedLsn()}, as
     * Patroni's demote triggers it), on another member while the standby leader publishes a newer timeline than the
     * one it replays (Patroni's {@code _last_timeline < _leader_timeline} trigger; in a standby cluster Patroni checks
     * every member against the remote member).
     */
    public static boolean asks(ClusterView cluster, LocalPostgres local, NodeMemory memory, String me,
                               boolean backgroundTaskRunning) {
        if (cluster == null || cluster.leader() == null || backgroundTaskRunning || memory.rewindOrReinitNeeded()) {
            return false;
        }
        StandbyCluster standby = cluster.config() == null ? null : StandbyCluster.of(cluster.config());
        if (standby == null || !standby.streams()) return false;
        if (!local.isReplica() || local.dataDirEmpty() || local.timeline() <= 0
                || "streaming".equals(local.replicationState())) {
            return false;
        }
        if (cluster.isLeader(me)) return memory.checkDivergedLsn();
        Integer leaders = cluster.leader().member() == null || cluster.leader().member().data() == null ? null
                : cluster.leader().member().data().timeline();
        return leaders != null && leaders > local.timeline();
    }

    /**
     * The memory after the check {@link #asks} asked for: {@code remote} null (the remote primary did not answer)
     * keeps the check due for the next cycle; otherwise the check is done, and a divergence asks for a rewind.
     */
    public static Result checked(LocalPostgres local, NodeMemory memory, Remote remote) {
        if (remote == null) return new Result(memory, null);
        long lsn = local.replayLsn() != null ? local.replayLsn() : local.walPosition();
        String why = diverged(local.timeline(), lsn, remote.timeline(), remote.history());
        NodeMemory done = memory.withCheckDivergedLsn(false);
        return why == null ? new Result(done, null)
                : new Result(done.withRewindOrReinitNeeded(true), why + ": rewind needed");
    }

    /**
     * Why the local WAL cannot be on the remote primary's history, or null when it can (Patroni's rule for a running
     * replica): a local timeline newer than the remote's; on an older one, a replay position past the point where
     * the remote's history left the local timeline, or no such point in its history at all.
     *
     * @param localTimeline  the timeline the local postgres replays
     * @param localLsn       its replay position (its WAL position when none)
     * @param remoteTimeline the remote primary's timeline ({@code IDENTIFY_SYSTEM})
     * @param remoteHistory  the lines of the remote's history file of {@code remoteTimeline}, oldest first (empty
     *                       for timeline 1)
     */
    public static String diverged(int localTimeline, long localLsn, int remoteTimeline, List<Fork> remoteHistory) {
        if (localTimeline > remoteTimeline) {
            return "local timeline " + localTimeline + " is newer than the remote primary's timeline "
                    + remoteTimeline;
        }
        if (localTimeline == remoteTimeline) return null;
        for (Fork f : remoteHistory) {
            if (f.parentTimeline() == localTimeline) {
                return localLsn > f.switchpoint()
                        ? "local timeline " + localTimeline + " lsn " + localLsn + " is past the point "
                                + f.switchpoint() + " where the remote primary's history left it"
                        : null;
            }
            if (f.parentTimeline() > localTimeline) break;
        }
        return "local timeline " + localTimeline + " is not on the remote primary's history (timeline "
                + remoteTimeline + ")";
    }
}
