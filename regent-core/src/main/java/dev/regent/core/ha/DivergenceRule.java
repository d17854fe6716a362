package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.StandbyCluster;
import dev.regent.core.model.TimelineHistory;
import java.util.List;

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
 *       "requested timeline is not a child of this server's history". Except a primary that went down without a
 *       shutdown checkpoint whose last WAL record begins before the point where the leader's history left its
 *       timeline: it follows as it is, still checked once running ({@code crashedBeforeTheFork}).</li>
 *   <li>A former primary started as a replica while nobody held the lock (a cold restart of the whole cluster), and
 *       another member then won the race and promoted: its WAL may go past the point where the new timeline forked
 *       off its own. That fork point is read from {@code /history} (the leader writes it after promoting); past it,
 *       the data diverged (Patroni's {@code trigger_check_diverged_lsn} against the leader's timeline history).</li>
 *   <li>Any running replica (never a primary, a demoted primary that kept running, or one restarted after the fork)
 *       that does not stream and whose WAL cannot be on the leader's history: its timeline is older than the leader's
 *       and its replay position is past the point where its timeline forked in {@code /history}; or it holds another
 *       member's timeline of the same number; or a timeline newer than the leader's (see
 *       {@code offTheLeadersHistory}). PostgreSQL cannot follow such a fork
 *       ("new timeline N forked off current database system timeline M before current recovery point"; the
 *       walreceiver gets "requested starting point ... is not in this server's history") and would stay behind
 *       forever. The replay position is compared, as Patroni does: WAL received past the fork but not replayed is
 *       either replayed soon (and seen at a later cycle, as this rule runs every cycle) or skipped when the startup
 *       process switches to the new timeline first.</li>
 * </ul>
 * A running replica (the last two cases) is judged only in a cycle where the leader answered {@code GET /patroni} as a
 * running primary, as Patroni reads the leader's timeline over a connection before it decides: a leader killed while
 * its lock is still held (before ttl, or paused) leaves its replicas running as they are.
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
     * Notes a divergence risk seen in this cycle's observations. First applies {@link MemoryContract#observed}: the
     * node's own promotion ({@link NodeMemory#ownPromotion()}) is forgotten once the data directory no longer holds
     * it; while remembered it tells this node's timeline from another member's of the same number
     * ({@link #anotherMembersPromotion}).
     *
     * @param cluster               this cycle's DCS snapshot, null when the DCS was unreadable
     * @param local                 this cycle's observation of the local PostgreSQL
     * @param memory                the node memory before the decider runs
     * @param myName                this node's member name
     * @param backgroundTaskRunning a long action (rewind, clone, restart...) is in progress: it owns the data directory
     * @param leaderAnswer          the leader's answer to {@code GET /patroni} in this cycle, null when it was not
     *                              asked ({@link ObservationPlan} asks whenever a running replica may be judged)
     */
    public static Result note(ClusterView cluster, LocalPostgres local, NodeMemory memory, String myName,
                              boolean backgroundTaskRunning, PeerStatus leaderAnswer) {
        NodeMemory m = MemoryContract.observed(memory, local, backgroundTaskRunning);
        int ownPromotion = m.ownPromotion();
        if (!local.dataDirEmpty() && stoppedFormerPrimary(local)) {
            m = m.withCheckDivergedLsn(true);  // whatever happens next, check once a new timeline is known
        }
        if (cluster == null || backgroundTaskRunning || m.rewindOrReinitNeeded() || local.dataDirEmpty()
                || cluster.leader() == null) {
            return Result.quiet(m);
        }
        if (cluster.isLeader(myName)) {
            // a standby leader's check is against the remote primary (RemotePrimaryDivergence): keep it due
            StandbyCluster standby = cluster.config() == null ? null : StandbyCluster.of(cluster.config());
            return Result.quiet(standby != null && standby.streams() ? m : m.withCheckDivergedLsn(false));
        }
        if (stoppedFormerPrimary(local)) {
            Long left = crashedBeforeTheFork(cluster, local);
            if (left != null) {
                // still checking: the started replica is compared with the fork point again (startedFormerPrimary)
                return new Result(m.withCheckDivergedLsn(true), "the data directory was last a primary and its WAL"
                        + " ends before " + left + " where " + cluster.leader().name() + "'s history left timeline "
                        + local.timeline() + ": following it without pg_rewind");
            }
            return new Result(m.withCheckDivergedLsn(false).withRewindOrReinitNeeded(true),
                    "the data directory was last a primary and " + cluster.leader().name()
                            + " holds the lock: checking with pg_rewind before following it");
        }
        if (!local.isReplica()) return Result.quiet(m);
        if (m.checkDivergedLsn() && streamingOnTheLeadersTimeline(cluster, local)) {
            // PostgreSQL proved our history is a prefix of the leader's: nothing to ask the leader
            return Result.quiet(m.withCheckDivergedLsn(false));
        }
        if (!runningPrimary(leaderAnswer, cluster.leader().name())) {
            // As Patroni (_check_timeline_and_lsn asks the leader over a connection before judging): a running
            // replica is judged only against a leader that answers as a running primary. A leader just killed (its
            // lock still held: before ttl, or paused) proves nothing, and its replica must keep running; check again
            // at a later cycle.
            return Result.quiet(m);
        }
        Result checked = m.checkDivergedLsn() ? startedFormerPrimary(cluster, local, m) : Result.quiet(m);
        if (checked.memory().rewindOrReinitNeeded() || "streaming".equals(local.replicationState())) return checked;
        Result off = offTheLeadersHistory(cluster, local, checked.memory());
        if (off.memory().rewindOrReinitNeeded()) return off;
        String creator = anotherMembersPromotion(cluster, local.timeline(), myName, ownPromotion);
        if (creator == null) return off;
        return new Result(off.memory().withRewindOrReinitNeeded(true), "local timeline " + local.timeline()
                + " is this node's own promotion, but " + cluster.leader().name() + "'s history has " + creator
                + " promoting to timeline " + local.timeline() + ": another member's timeline of the same number:"
                + " rewind needed");
    }

    /**
     * The member {@code /history} names as having promoted to {@code timeline}, when this node promoted to the same
     * number itself ({@code ownPromotion}) and that member is another one; null otherwise. A promotion that finished
     * just after its node was cut off from the DCS never reached {@code /history}, so the next leader could promote to
     * the same number, often at the same switch point ({@link TimelineReservation} only knows what the DCS shows): the
     * two history files are then identical, pg_rewind finds "no rewind required" (same timeline number), and
     * PostgreSQL cannot stream the leader's timeline past this node's own end-of-recovery WAL. Only the node that
     * promoted can tell the two timelines apart. Judged from the {@code /history} entry that created the timeline
     * (its {@code new_leader} field, which Patroni and Regent write): the entry after it names the timeline it left,
     * or, for the last entry, the leader publishes the timeline it created. An entry without {@code new_leader}
     * proves nothing.
     */
    public static String anotherMembersPromotion(ClusterView cluster, int timeline, String myName,
                                                 int ownPromotion) {
        if (cluster == null || cluster.leader() == null || myName == null || timeline <= 1
                || ownPromotion != timeline) {
            return null;
        }
        List<TimelineHistory.Entry> history = cluster.history().entries();
        Integer published = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        for (int i = 0; i < history.size(); i++) {
            TimelineHistory.Entry e = history.get(i);
            Integer created = i + 1 < history.size() ? Integer.valueOf(history.get(i + 1).timeline())
                    : published != null && published > e.timeline() ? published : null;
            if (created == null || created != timeline) continue;
            String creator = e.newLeader();
            return creator == null || creator.isEmpty() || creator.equals(myName) ? null : creator;
        }
        return null;
    }

    /**
     * A running replica that does not stream, whose WAL cannot be part of the leader's timeline history: rewind. The
     * leader's timeline is the newer of the one it publishes and the one {@code /history} implies (the leader writes
     * {@code /history} right after promoting, before it publishes its new timeline). A replica that streams is never
     * judged here. The last two tests are proof as long as {@code /history} describes the leader's lineage (a missing
     * entry, from a write lost after a promotion, only weakens them). The first can misfire only while the leader's
     * newest timeline is neither published nor in {@code /history} and this replica already switched to it but does
     * not stream: then pg_rewind finds nothing to do.
     * <ul>
     *   <li>its timeline is newer than the leader's (as Patroni: a timeline the leader never had);</li>
     *   <li>its timeline is older and it replayed past the point where its timeline ended in the leader's history
     *       (the entry of its timeline, or of the first later one when that entry is missing: its timeline cannot
     *       have ended later);</li>
     *   <li>it is on a timeline number of the leader's history but before the point where the leader's timeline of
     *       that number began, or its timeline began (by its own history file) elsewhere than the leader's of that
     *       number: two members promoted from the same timeline, and this one follows the other's.</li>
     *   <li>the leader publishes an older timeline than its own, at a position past where its own timeline began
     *       (by its history file): the leader kept writing on the parent after this timeline forked off it (an old
     *       primary that took the lock without promoting, while {@code /history} names a newer timeline);</li>
     *   <li>its timeline is older than the leader's and not one of its ancestors ({@link #orphanTimeline}).</li>
     * </ul>
     */
    private static Result offTheLeadersHistory(ClusterView cluster, LocalPostgres local, NodeMemory m) {
        int mine = local.timeline();
        Integer published = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        List<TimelineHistory.Entry> history = cluster.history().entries();
        int leaders = Math.max(published == null ? 0 : published,
                history.isEmpty() ? 0 : cluster.history().clusterTimeline());
        if (mine <= 0 || leaders <= 0) return Result.quiet(m);
        long position = local.replayLsn() != null ? local.replayLsn() : local.walPosition();
        String leader = cluster.leader().name();
        String why = null;
        if (mine > leaders) {
            why = "local timeline " + mine + " is newer than timeline " + leaders + " of " + leader;
        } else {
            long ended = Long.MAX_VALUE;  // where my timeline ended in the leader's lineage, at the latest
            long began = Long.MIN_VALUE;  // where the leader's timeline numbered like mine began, at the earliest
            Long forked = null;  // exactly where the leader's timeline numbered like mine began, when recorded
            for (TimelineHistory.Entry e : history) {
                if (e.timeline() >= mine) ended = Math.min(ended, e.lsn());
                else began = Math.max(began, e.lsn());
                if (e.timeline() == mine - 1) forked = e.lsn();
            }
            Long mineBegan = local.timelineStartLsn();
            if (mine < leaders && position > ended) {
                why = "local timeline " + mine + " lsn " + position + " is past the point " + ended + " where "
                        + leader + "'s history left timeline " + mine;
            } else if (position < began) {
                why = "local timeline " + mine + " lsn " + position + " is before the point " + began + " where "
                        + leader + "'s timeline " + mine + " began: it is another member's timeline " + mine;
            } else if (mineBegan != null && forked != null && !mineBegan.equals(forked)) {
                why = "local timeline " + mine + " began at " + mineBegan + ", " + leader + "'s timeline " + mine
                        + " at " + forked + ": it is another member's timeline " + mine;
            } else if (mineBegan != null && published != null && published < mine && publishedPosition(cluster) != null
                    && publishedPosition(cluster) > mineBegan) {
                why = "local timeline " + mine + " began at " + mineBegan + ", but " + leader + " is on timeline "
                        + published + " at " + publishedPosition(cluster) + " past that point";
            } else if (orphanTimeline(cluster, mine)) {
                why = "local timeline " + mine + " is not on " + leader + "'s history (its timeline " + leaders
                        + " forked off timeline " + lastParent(history) + "): another member's lost timeline";
            }
        }
        return why == null ? Result.quiet(m) : new Result(m.withRewindOrReinitNeeded(true), why + ": rewind needed");
    }

    /**
     * True when {@code timeline} is older than the leader's but newer than the parent its timeline forked off (the last
     * line of {@code /history}): not one of its ancestors but an orphan timeline, which a
     * member promoted to before it was lost while the leader promoted from an earlier timeline to a newer number
     * ({@link TimelineReservation}). PostgreSQL cannot follow from it ("requested timeline N is not a child of this
     * server's history"); pg_rewind can, when the local WAL went past the fork point. Judged only when
     * {@code /history} holds the leader's lineage up to its timeline: it implies the leader's published timeline, or
     * its last entry is the leader's own promotion (a promotion that skipped numbers: the entry names the parent). A
     * {@code /history} that lags the leader's promotion proves nothing.
     */
    public static boolean orphanTimeline(ClusterView cluster, int timeline) {
        if (cluster == null || cluster.leader() == null || timeline <= 0) return false;
        List<TimelineHistory.Entry> history = cluster.history().entries();
        if (history.isEmpty()) return false;
        Integer published = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        int recorded = cluster.history().clusterTimeline();
        int leaders = Math.max(published == null ? 0 : published, recorded);
        if (timeline >= leaders) return false;
        TimelineHistory.Entry last = history.get(history.size() - 1);
        boolean complete = leaders == recorded || cluster.leader().name().equals(last.newLeader());
        // Between the leader's last parent and its timeline: numbers its promotion skipped. An older timeline missing
        // from /history may be a lost write as much as an orphan: the other tests bound it.
        return complete && timeline > last.timeline();
    }

    /**
     * Why a data directory that pg_rewind left on {@code timeline} (whose history file says it began at
     * {@code began}, null when unknown) still cannot follow the leader, or null when it can as far as the DCS tells.
     * pg_rewind 15 finds "no rewind required" on the same timeline number as its source, and when the target's WAL
     * ends at the fork point: neither fixes an orphan timeline nor another member's timeline of the leader's number.
     */
    public static String cannotFollowAfterRewind(ClusterView cluster, int timeline, Long began) {
        return cannotFollowAfterRewind(cluster, timeline, began, null, 0);
    }

    /**
     * {@link #cannotFollowAfterRewind(ClusterView, int, Long)}, also for this node's own unpublished promotion
     * ({@link #anotherMembersPromotion}): pg_rewind finds "no rewind required" against a source on the same timeline
     * number, so no rewind can ever take this data directory off it.
     */
    public static String cannotFollowAfterRewind(ClusterView cluster, int timeline, Long began, String myName,
                                                 int ownPromotion) {
        if (cluster == null || cluster.leader() == null || timeline <= 0) return null;
        String creator = anotherMembersPromotion(cluster, timeline, myName, ownPromotion);
        if (creator != null) {
            return "timeline " + timeline + " is this node's own promotion, " + cluster.leader().name()
                    + "'s history has " + creator + "'s: another member's timeline of the same number";
        }
        if (orphanTimeline(cluster, timeline)) {
            return "timeline " + timeline + " is not on " + cluster.leader().name() + "'s history";
        }
        Integer published = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        List<TimelineHistory.Entry> history = cluster.history().entries();
        if (began == null || published == null || published != timeline || history.isEmpty()) return null;
        TimelineHistory.Entry last = history.get(history.size() - 1);
        Long leaderBegan = null;
        if (last.timeline() >= timeline) {
            // The leader already promoted from the timeline it still publishes (it writes /history before its member
            // key shows the new timeline): the last entry is where that timeline ended, and says nothing about where
            // it began. Nothing proves this data directory cannot follow; the decider checks again.
            return null;
        }
        if (cluster.leader().name().equals(last.newLeader())) {
            leaderBegan = last.lsn();  // the leader's own promotion, to its published timeline
        } else if (cluster.history().clusterTimeline() == timeline) {
            leaderBegan = last.lsn();
        }
        if (leaderBegan == null || leaderBegan.equals(began)) return null;
        return "timeline " + timeline + " began at " + began + ", " + cluster.leader().name() + "'s timeline "
                + timeline + " at " + leaderBegan + ": another member's timeline of the same number";
    }

    /** Streaming, on the timeline the leader publishes. */
    private static boolean streamingOnTheLeadersTimeline(ClusterView cluster, LocalPostgres local) {
        Integer leaders = cluster.leader().member() == null ? null : cluster.leader().member().data().timeline();
        return leaders != null && leaders == local.timeline() && "streaming".equals(local.replicationState());
    }

    /** The leader answered this cycle's {@code GET /patroni} as a running primary. */
    private static boolean runningPrimary(PeerStatus answer, String leader) {
        return answer != null && answer.name().equals(leader) && answer.reachable() && answer.running()
                && answer.primary();
    }

    /**
     * True when the rule may judge a running replica in this cycle ({@link #note} then needs the leader's answer):
     * another member holds the lock and the replica does not stream the leader's timeline.
     */
    public static boolean judgesRunningReplica(ClusterView cluster, LocalPostgres local, String myName) {
        if (cluster == null || cluster.leader() == null || cluster.isLeader(myName) || !local.isReplica()
                || local.dataDirEmpty()) {
            return false;
        }
        return !streamingOnTheLeadersTimeline(cluster, local);
    }

    /** The WAL position the leader publishes with its timeline (the two come from one observation). */
    private static Long publishedPosition(ClusterView cluster) {
        return cluster.leader().member() == null ? null : cluster.leader().member().data().xlogLocation();
    }

    private static int lastParent(List<TimelineHistory.Entry> history) {
        return history.isEmpty() ? 0 : history.get(history.size() - 1).timeline();
    }

    /**
     * A primary that went down without a shutdown checkpoint (killed, crashed) and whose last WAL record begins before
     * the point where the leader's history left its timeline: its WAL is a prefix of the leader's, so it follows as it
     * is. Started as a standby it replays its own WAL no further than that point (crash recovery in standby mode
     * writes nothing) and streams on into the leader's timeline; should this be wrong after all, PostgreSQL refuses
     * the timeline switch and the running-replica check of this rule rewinds it, so a diverged data directory is never
     * followed silently and never started writable. Going through pg_rewind instead costs single-user crash
     * recovery, whose end-of-recovery and shutdown checkpoints land on the old timeline past the fork point and so
     * force a real rewind (PostgreSQL 15's pg_rewind copies the leader's whole pg_wal), and two more passes syncing
     * the data directory. The timeline must be the leader's of the same number, as pg_rewind's own common-ancestor
     * test has it: timeline 1, or one that began (by the local history file) where the leader's history began it.
     *
     * @return the point where the leader's history left the local timeline, or null when pg_rewind must decide (not a
     *         crashed primary, its last record unknown, /history silent or ambiguous, or the WAL reaches the fork)
     */
    private static Long crashedBeforeTheFork(ClusterView cluster, LocalPostgres local) {
        int mine = local.timeline();
        if (!local.crashedAsPrimary() || local.lastWalRecord() == null || mine <= 0) return null;
        Long left = null;
        Long began = mine == 1 ? Long.valueOf(0) : null;
        int entries = 0;
        for (TimelineHistory.Entry e : cluster.history().entries()) {
            if (e.timeline() == mine) {
                left = e.lsn();
                entries++;
            }
            if (e.timeline() == mine - 1) began = e.lsn();
        }
        if (left == null || entries != 1 || began == null) return null;
        if (mine > 1 && !began.equals(local.timelineStartLsn())) return null;
        return local.lastWalRecord() < left ? left : null;
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
