package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Follow;
import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.Rewind;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.model.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Another member holds the lock and postgres accepts connections (Patroni's follow() from process_healthy_cluster):
 * a primary without the lock demotes; a diverged replica is rewound or re-cloned; otherwise stream from the leader
 * (or the {@code replicatefrom} member). Paused: never demote; a diverged replica is still rewound or re-cloned while
 * the cluster has a leader (Patroni's follow() skips its pause shortcut when a rewind is needed and allowed), so a
 * former primary demoted by a switchover in pause rejoins without waiting for resume.
 */
final class ReplicaRule {
    private ReplicaRule() {}

    static Decision decide(Ctx c) {
        String kind = c.isStandbyCluster() ? "a standby leader" : "a leader";
        return follow(c, "demoting self because I do not have the lock and I was a leader",
                "no action. I am (" + c.me + "), a secondary, and following " + kind + " (" + c.leaderName() + ")");
    }

    /** Patroni's follow(demote_reason, follow_reason) for a running postgres without the lock. */
    static Decision follow(Ctx c, String demoteReason, String followReason) {
        String target = c.nodeToFollow();
        if (c.pg.isPrimary()) {
            if (c.paused()) return c.decide("continue to run as primary without lock");
            // in a standby cluster a primary is turned into a standby cleanly (Patroni's demote-cluster mode)
            if (c.isStandbyCluster()) {
                return c.decide(demoteReason, new Demote(Demote.Mode.DEMOTE_CLUSTER, target, c.standby()));
            }
            return c.decide(demoteReason, new Demote(Demote.Mode.IMMEDIATE_NOLOCK, target));
        }
        Decision rewind = rewindOrReinitialize(c);
        if (rewind != null) return rewind;
        if (c.paused() && target == null) return c.decide("no action. I am (" + c.me + ")");
        List<Action> actions = new ArrayList<>();
        // Without a leader keep the current primary_conninfo; nostream always streams from nobody.
        Follow follow = c.followAction();
        if (follow != null) actions.add(follow);
        Set<String> cascade = cascadeSlots(c);
        if (c.config().useSlots() && !cascade.isEmpty()) actions.add(new SyncReplicationSlots(cascade));
        return c.decide(followReason, actions);
    }

    /**
     * Physical slots a replica keeps for cascading (Patroni's get_replication_slots for a replica): one per member,
     * not nostream, whose {@code replicatefrom} tag names this node, so that it can stream from us through its slot.
     * Emitted only while there is such a member (a stale cascade slot goes when this node is promoted and syncs the
     * primary's set).
     */
    static Set<String> cascadeSlots(Ctx c) {
        Set<String> slots = new TreeSet<>();
        String mySlot = SlotNames.fromMemberName(c.me);
        for (Member m : c.cluster.members()) {
            if (m.name().equals(c.me) || m.noStream() || !c.me.equals(m.replicateFrom())) continue;
            String slot = SlotNames.fromMemberName(m.name());
            if (!slot.equals(mySlot)) slots.add(slot);
        }
        return slots;
    }

    /**
     * Patroni's _handle_rewind_or_reinitialize: when the shell found our data diverged from the leader's, rewind from
     * the leader (use_pg_rewind) or re-clone (remove_data_directory_on_diverged_timelines). Null when not needed or not
     * possible (no leader, neither option enabled). Also in pause, as Patroni.
     */
    static Decision rewindOrReinitialize(Ctx c) {
        String leader = c.leaderName();
        if (!c.memory.rewindOrReinitNeeded() || leader == null || leader.equals(c.me)) return null;
        if (c.settings.usePgRewind()) {
            c.memory = c.memory.withRewindOrReinitNeeded(false);
            return c.decide("running pg_rewind from " + leader, new Rewind(leader));
        }
        if (c.settings.removeDataDirectoryOnDivergedTimelines()) {
            c.memory = c.memory.withRewindOrReinitNeeded(false);
            return c.decide("reinitializing due to diverged timelines", new Reinitialize(c.cloneMember()));
        }
        return null;
    }
}
