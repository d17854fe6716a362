package dev.regent.daemon.loop;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.SlotNames;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.core.slots.LogicalSlotReadiness;
import dev.regent.core.slots.RetainedSlots;
import dev.regent.core.slots.SlotOp;
import dev.regent.core.slots.SlotPlanner;
import dev.regent.core.slots.SlotReconciler;
import dev.regent.time.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell half of slot management: reads this node's slots, applies what {@link SlotReconciler} decides, and
 * remembers what the primary publishes in {@code /status} ({@code slots}, {@code retain_slots}) at its next renewal.
 * Called from the loop thread only, but for {@link #onPromote} (the promotion's background slot).
 */
final class SlotKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(SlotKeeper.class);

    private final PostgresPort pg;
    private final Ticker ticker;
    private final String name;
    private Map<String, Long> published = Map.of();
    private Map<String, Long> retained = Map.of();
    /** Copied logical slots not yet known safe to use after a failover ({@link LogicalSlotReadiness}). */
    private volatile Map<String, Long> pending = Map.of();  // also read by the promotion (background slot)

    SlotKeeper(PostgresPort pg, Ticker ticker, String name) {
        this.pg = pg;
        this.ticker = ticker;
        this.name = name;
    }

    /**
     * Brings the slots in line with {@code a}; one failed change is logged and the others still run. Missing logical
     * slots are copied from {@code cluster}'s leader unless {@code a} forbids it (failsafe mode active).
     *
     * @param cluster the snapshot the action was decided on (the last one read while the DCS is down), or null
     */
    void sync(Action.SyncReplicationSlots a, ClusterView cluster, LocalPostgres local) throws PostgresPortException {
        ClusterConfig config = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
        boolean paused = config.isPaused();
        boolean primary = local.isPrimary();
        long replay = local.replayLsn() == null ? 0 : local.replayLsn();
        // Patroni cleans inactive physical slots holding an xmin only while the cluster has a leader that is not
        // this node still running as a standby
        boolean cleanXmin = cluster != null && cluster.leader() != null
                && (!cluster.leader().name().equals(name) || primary);
        List<ExistingSlot> existing = pg.replicationSlots();
        List<SlotOp> ops = SlotReconciler.reconcile(a.wanted(), existing, SlotPlanner.ignoreMatchers(config), paused,
                primary, replay, cleanXmin);
        if (primary) {
            pending = Map.of();
        } else {
            // what this node saw while it led before is stale: a later leadership takes retain_slots over from the
            // /status of that time (with its own clock), or a member gone since would lose its slot at once
            retained = Map.of();
            if (!pending.isEmpty()) checkReadiness(cluster);
        }
        boolean changed = false;
        List<String> copies = new ArrayList<>();
        for (SlotOp op : ops) {
            if (op instanceof SlotOp.CopyLogical c) {
                copies.add(c.name());
                continue;
            }
            try {
                pg.applySlotOp(op);
                changed = true;
            } catch (PostgresPortException e) {
                LOG.error("Failed to apply {} to replication slot '{}': {}", kind(op), op.name(), e.getMessage());
            }
        }
        if (!copies.isEmpty() && a.copyLogical()) copy(copies, cluster);
        if (primary) {
            List<ExistingSlot> now = changed ? pg.replicationSlots() : existing;
            published = SlotPlanner.published(a.wanted(), now, SlotPlanner.modern(config, local.serverVersion()),
                    SlotNames.fromMemberName(name), local.walPosition());
        }
    }

    /** Logical slots a replica lacks: copied from the leader's postgres in one restart (Patroni's way). */
    private void copy(List<String> names, ClusterView cluster) {
        String url = cluster == null || cluster.leader() == null ? null : cluster.leader().member().connUrl();
        if (url == null || cluster.leader().name().equals(name)) return;
        try {
            Set<String> copied = pg.copyLogicalSlots(url, names);
            Map<String, Long> queue = new LinkedHashMap<>(pending);
            for (String n : copied) queue.put(n, null);  // the primary's catalog_xmin is read once ours is valid
            pending = queue;
        } catch (PostgresPortException e) {
            LOG.error("Failed to copy logical replication slots {} from the primary: {}", names, e.getMessage());
        }
    }

    /**
     * Patroni's readiness check of the copied logical slots: reads the primary's catalog_xmin of this node's physical
     * slot there (and of the pending logical slots not read yet) and this node's copies'. A failed read leaves the
     * copies pending (logged); they never block anything, a promotion only warns about them.
     */
    private void checkReadiness(ClusterView cluster) {
        if (cluster == null || cluster.leader() == null || cluster.leader().name().equals(name)) return;
        String url = cluster.leader().member().connUrl();
        if (url == null) return;
        Member self = cluster.members().stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        String physical = LogicalSlotReadiness.slotOnPrimary(cluster, name, self == null ? null : self.replicateFrom());
        List<String> ask = new ArrayList<>(LogicalSlotReadiness.unread(pending));
        ask.add(physical);
        Map<String, Long> onPrimary;
        Map<String, Long> here;
        try {
            onPrimary = new HashMap<>(pg.primarySlotCatalogXmins(url, ask));
            here = pg.slotCatalogXmins(pending.keySet());
        } catch (PostgresPortException e) {
            LOG.error("Failed to check {} physical slot on the primary: {}", physical, e.getMessage());
            return;
        }
        if (!onPrimary.containsKey(physical)) {
            LOG.warn("Physical slot {} does not exist on the primary", physical);
            return;
        }
        Long physicalXmin = onPrimary.remove(physical);
        if (physicalXmin == null) {
            // not streaming yet, or hot_standby_feedback off (Regent forces it on where logical slots are kept)
            LOG.debug("Physical slot {} on the primary has no catalog_xmin yet", physical);
        }
        LogicalSlotReadiness.Result r = LogicalSlotReadiness.check(pending, onPrimary, physicalXmin, here);
        pending = r.queue();
        for (String s : r.ready()) LOG.info("Logical slot {} is safe to be used after a failover", s);
    }

    /** At promotion: Patroni's warning about copied logical slots not yet known safe; forgets them. */
    void onPromote() {
        if (!pending.isEmpty()) {
            LOG.warn("Logical replication slots that might be unsafe to use after promote: {}",
                    new java.util.TreeSet<>(pending.keySet()));
        }
        pending = Map.of();
    }

    /** The copied logical slots not yet known safe to use after a failover. */
    Set<String> pendingLogicalSlots() {
        return Set.copyOf(pending.keySet());
    }

    private static String kind(SlotOp op) {
        return op.getClass().getSimpleName();
    }

    /** {@code /status.slots} as of the last sync on the primary. */
    Map<String, Long> statusSlots() {
        return published;
    }

    /**
     * {@code /status.retain_slots} for this renewal (empty when member_slots_ttl is 0 or PostgreSQL older than 11):
     * the streaming members' slot names, and those of members gone less than member_slots_ttl ago.
     */
    List<String> retainSlots(ClusterView cluster, LocalPostgres local) {
        ClusterConfig config = cluster == null || cluster.config() == null ? ClusterConfig.empty() : cluster.config();
        if (cluster == null || !SlotPlanner.modern(config, local.serverVersion())) {
            retained = Map.of();
            return List.of();
        }
        List<String> members = new ArrayList<>();
        boolean foundSelf = false;
        for (Member m : cluster.members()) {
            foundSelf |= m.name().equals(name);
            if (!m.noStream()) members.add(SlotNames.fromMemberName(m.name()));
        }
        if (!foundSelf) members.add(SlotNames.fromMemberName(name));
        retained = new TreeMap<>(RetainedSlots.update(retained, cluster.status().retainSlots(), members,
                ticker.monotonicMillis(), SlotPlanner.memberSlotsTtlSeconds(config)));
        // only member slots that are not permanent ones (Patroni's retain_slots leaves those out), also at once when
        // a member's slot has just been made permanent
        List<String> out = new ArrayList<>(RetainedSlots.names(retained));
        out.removeAll(SlotPlanner.permanentSlots(config).keySet());
        return out;
    }
}
