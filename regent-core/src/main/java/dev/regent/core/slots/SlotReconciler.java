package dev.regent.core.slots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns the wanted slots ({@link SlotPlanner#desired}) and the slots found on this node into the changes to make
 * (Patroni's SlotsHandler.sync_replication_slots). Pure.
 *
 * <ul>
 *   <li>Slots matching {@code ignore_slots} are never created, advanced or dropped; temporary slots are never
 *       touched.</li>
 *   <li>Unknown slots (physical or logical) are dropped, except in maintenance mode.</li>
 *   <li>A wanted slot of another type, plugin or database is dropped (it is created again on the next cycle); one
 *       with {@code wal_status = lost} is dropped and created again.</li>
 *   <li>Missing physical slots are created (WAL reserved at once). Missing logical slots are created on the primary;
 *       on a replica they are copied from the primary once the primary has published their position.</li>
 *   <li>A physical slot nobody is expected to stream through is advanced to its wanted position when behind; one
 *       that holds an {@code xmin} is dropped instead (nothing would ever move it, and it would hold back vacuum on
 *       the whole cluster), as is one without restart_lsn (not made by us; it cannot be advanced).</li>
 *   <li>A logical slot on a replica is advanced to the published position, never past what this replica has
 *       replayed.</li>
 * </ul>
 */
public final class SlotReconciler {
    private SlotReconciler() {}

    /**
     * @param desired   wanted slots by name
     * @param existing  non-temporary and temporary slots found on this node
     * @param ignore    {@code ignore_slots} matchers
     * @param paused    maintenance mode: unknown slots are kept
     * @param primary   postgres runs as primary (logical slots are created, not copied)
     * @param replayLsn replica: last replayed position (the upper bound for advancing logical slots); ignored on a
     *                  primary
     * @param cleanXmin drop physical slots holding an xmin that nobody is expected to stream through (Patroni: only
     *                  when the cluster has a leader and it is not a standby that is about to become primary)
     */
    public static List<SlotOp> reconcile(Map<String, SlotSpec> desired, List<ExistingSlot> existing,
                                         List<IgnoreMatcher> ignore, boolean paused, boolean primary, long replayLsn,
                                         boolean cleanXmin) {
        List<SlotOp> ops = new ArrayList<>();
        Map<String, ExistingSlot> byName = new TreeMap<>();
        for (ExistingSlot s : existing) {
            if (!s.temporary()) byName.put(s.name(), s);
        }
        for (ExistingSlot s : byName.values()) {
            if (desired.containsKey(s.name()) || IgnoreMatcher.anyMatches(ignore, s) || paused) continue;
            ops.add(new SlotOp.Drop(s.name(), "unknown replication slot"));
        }
        for (Map.Entry<String, SlotSpec> e : desired.entrySet()) {
            String name = e.getKey();
            SlotSpec want = e.getValue();
            ExistingSlot have = byName.get(name);
            if (IgnoreMatcher.anyMatches(ignore, name, want) || have != null && IgnoreMatcher.anyMatches(ignore, have)) {
                continue;
            }
            if (have == null) {
                create(ops, name, want, primary);
            } else if (!sameKind(want, have)) {
                ops.add(new SlotOp.Drop(name, "its type, plugin or database changed"));
            } else if (have.isLost()) {
                ops.add(new SlotOp.Drop(name, "wal_status is lost"));
                create(ops, name, want, primary);
            } else if (want.isPhysical()) {
                physical(ops, name, want, have, cleanXmin);
            } else if (!primary && !have.active() && want.lsn() > 0) {
                long target = Math.min(want.lsn(), replayLsn);
                Long at = have.confirmedFlushLsn();
                if (at != null && at < target) ops.add(new SlotOp.Advance(name, want.database(), target));
            }
        }
        return ops;
    }

    private static void create(List<SlotOp> ops, String name, SlotSpec want, boolean primary) {
        if (want.isPhysical()) {
            ops.add(new SlotOp.CreatePhysical(name));
        } else if (primary) {
            ops.add(new SlotOp.CreateLogical(name, want.plugin(), want.database()));
        } else if (want.lsn() > 0) {
            // only slots whose position the primary published: otherwise nobody could advance the copy
            ops.add(new SlotOp.CopyLogical(name, want.plugin(), want.database()));
        }
    }

    private static void physical(List<SlotOp> ops, String name, SlotSpec want, ExistingSlot have, boolean cleanXmin) {
        if (want.expectedActive() || have.active()) return;
        if (have.hasXmin()) {
            if (cleanXmin) ops.add(new SlotOp.Drop(name, "it holds an xmin and nobody streams from it"));
            return;
        }
        if (have.restartLsn() == null) {
            ops.add(new SlotOp.Drop(name, "it has no restart_lsn (made by someone else); it is created again"));
            return;
        }
        if (want.lsn() > have.restartLsn()) ops.add(new SlotOp.Advance(name, null, want.lsn()));
    }

    private static boolean sameKind(SlotSpec want, ExistingSlot have) {
        if (!want.type().equals(have.type())) return false;
        return want.isPhysical() || Objects.equals(want.plugin(), have.plugin())
                && Objects.equals(want.database(), have.database());
    }
}
