package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Follow;
import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.Rewind;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.slots.SlotPlanner;
import dev.regent.core.slots.SlotSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        Map<String, SlotSpec> slots = replicaSlots(c);
        // Before PostgreSQL 11 (or with member_slots_ttl 0) only a replica that others cascade from keeps slots;
        // since then every replica keeps every member's and the permanent slots (and drops unknown ones).
        boolean modern = SlotPlanner.modern(c.config(), c.pg.serverVersion());
        if (c.config().useSlots() && (modern || !slots.isEmpty())) {
            // no logical slot copies while failsafe mode is active here (Patroni: a copy restarts postgres)
            actions.add(new SyncReplicationSlots(slots, !FailsafeRule.acceptedFresh(c.in)));
        }
        return c.decide(followReason, actions);
    }

    /** The slots a replica keeps ({@link SlotPlanner#desired} for a node without the lock). */
    static Map<String, SlotSpec> replicaSlots(Ctx c) {
        return SlotPlanner.desired(c.cluster, c.config(),
                new SlotPlanner.Node(c.me, c.settings.tags(), false, c.pg.serverVersion()));
    }

    /**
     * Patroni's _handle_rewind_or_reinitialize: when the shell found our data diverged from the leader's, rewind from
     * the leader (use_pg_rewind) or re-clone (remove_data_directory_on_diverged_timelines, outside a standby cluster
     * only: Patroni 4 never re-clones a standby cluster's member for diverged timelines, see
     * {@link StandbyLeaderRule#staysDiverged}). Null when not needed or not possible (no leader, no remedy enabled);
     * a member of a standby cluster then says why it stays behind. Also in pause, as Patroni.
     */
    static Decision rewindOrReinitialize(Ctx c) {
        String leader = c.leaderName();
        if (!c.memory.rewindOrReinitNeeded() || leader == null || leader.equals(c.me)) return null;
        if (c.settings.usePgRewind()) {
            c.memory = c.memory.withRewindOrReinitNeeded(false);
            if (c.isStandbyCluster() && c.standby().streams()) {
                // Patroni's _handle_rewind_or_reinitialize: in a standby cluster the leader to rewind from is the
                // remote member (the standby leader is a standby, and may itself have been rewound from there)
                return c.decide("running pg_rewind from the remote primary", Rewind.fromRemotePrimary(c.standby()));
            }
            return c.decide("running pg_rewind from " + leader, new Rewind(leader));
        }
        if (c.isStandbyCluster()) {
            // the need stays noted (Patroni's rewind state stays NEED): turning use_pg_rewind on later rewinds
            c.infos.add(StandbyLeaderRule.staysDiverged(c));
            return null;
        }
        if (c.settings.removeDataDirectoryOnDivergedTimelines()) {
            c.memory = c.memory.withRewindOrReinitNeeded(false);
            return c.decide("reinitializing due to diverged timelines", new Reinitialize(c.cloneMember()));
        }
        return null;
    }
}
