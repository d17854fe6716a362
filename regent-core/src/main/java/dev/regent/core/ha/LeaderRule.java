package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Promote;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.slots.SlotPlanner;
import dev.regent.core.slots.SlotSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * This node holds the leader lock and postgres accepts connections (Patroni's process_healthy_cluster with the lock,
 * §6.6): renew first, then handle a manual failover, then make sure postgres is a primary with its slots.
 */
final class LeaderRule {
    private LeaderRule() {}

    static Decision decide(Ctx c) {
        if (c.paused() && !c.pg.isPrimary()) {
            if (c.failover() != null && c.me.equals(c.failover().candidate())) {
                return c.decide("waiting to become primary after promote...", new UpdateLeaderLock());
            }
            // a standby leader keeps its lock in pause: it is not supposed to run as a primary
            if (c.isStandbyCluster()) return StandbyLeaderRule.paused(c);
            return c.decide("removed leader lock because postgres is not running as primary", new ReleaseLeaderLock());
        }
        if (c.lockLapsed()) return lapsed(c);
        if (!c.paused() && !c.in.watchdogUsable()) {
            // Patroni's enforce_primary_role: a leader must run with its required watchdog armed
            if (c.pg.isPrimary()) {
                return c.decide("Demoting self because watchdog could not be activated",
                        new Demote(Demote.Mode.IMMEDIATE, null));
            }
            return c.decide("Not promoting self because watchdog could not be activated", new ReleaseLeaderLock());
        }
        List<Action> actions = new ArrayList<>(List.of(new UpdateLeaderLock()));
        ManualFailoverRule.Result manual = ManualFailoverRule.fromLeader(c);
        if (manual != null) {
            actions.addAll(manual.actions());
            if (manual.demote()) return c.decide(manual.message(), actions);
        }
        if (c.isStandbyCluster()) return StandbyLeaderRule.withLock(c, actions);
        String message;
        if (c.pg.isPrimary()) {
            message = "no action. I am (" + c.me + "), the leader with the lock";
            if (c.config().useSlots()) actions.add(new SyncReplicationSlots(slotsFor(c)));
            actions.addAll(SyncRule.primary(c));
        } else if (c.memory.preferNoRaceUntil() > c.in.nowMillis()) {
            // The last Promote was vetoed by pre_promote (Patroni's enforce_primary_role, after the renewal and the
            // failover key clean-up): give the lock to another member; HealthCheck keeps this node out of the race
            // until the backoff ends.
            c.warnings.add("Releasing the leader key voluntarily because the pre-promote script failed");
            message = "Promotion cancelled because the pre-promote script failed";
            actions.add(new ReleaseLeaderLock());
        } else {
            message = "promoted self to leader because I had the session lock";
            actions.addAll(prepareSlots(c));
            actions.addAll(SyncRule.beforePromote(c));
            actions.add(new Promote());
        }
        return c.decide(message, actions);
    }

    /** The renewal was refused or is overdue: the lock must be considered lost (update_lock returned False). */
    private static Decision lapsed(Ctx c) {
        if (!c.pg.isPrimary()) return c.decide("not promoting because failed to update leader lock in DCS");
        if (c.paused()) {
            return c.decide("continue to run as primary after failing to update leader lock in DCS",
                    new UpdateLeaderLock());
        }
        return c.decide("demoted self because failed to update leader lock in DCS",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    /**
     * Before a promotion: the physical slots the new primary will keep ({@link #slotsFor}), created while it is still
     * a standby (nothing when {@code use_slots} is off or there is none), so that the members re-pointing to it
     * stream at once. With member_slots_ttl above 0 on PostgreSQL 11+ a replica usually has them already (it keeps
     * every member's slot); this covers member_slots_ttl 0, older servers and members that joined a moment ago.
     */
    static List<Action> prepareSlots(Ctx c) {
        if (!c.config().useSlots()) return List.of();
        Set<String> slots = new TreeSet<>();
        slotsFor(c).forEach((name, spec) -> {
            if (spec.isPhysical()) slots.add(name);
        });
        return slots.isEmpty() ? List.of() : List.of(new Action.PrepareReplicationSlots(slots));
    }

    /** The slots the primary keeps ({@link SlotPlanner#desired} for the lock holder). */
    static Map<String, SlotSpec> slotsFor(Ctx c) {
        return SlotPlanner.desired(c.cluster, c.config(),
                new SlotPlanner.Node(c.me, c.settings.tags(), true, c.pg.serverVersion()));
    }
}
