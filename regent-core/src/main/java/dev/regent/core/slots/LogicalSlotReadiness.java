package dev.regent.core.slots;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the logical slots a replica copied from the primary are safe to use after a failover (Patroni 4.x's
 * readiness check). A copied slot keeps the primary's {@code catalog_xmin} of the moment it was copied; the catalog
 * rows that decoding from it needs are only protected once this replica's hot_standby_feedback holds them back on the
 * primary, that is once the primary's physical slot for this replica has a {@code catalog_xmin} that overtook the one
 * the primary's logical slot had when that physical {@code catalog_xmin} first became valid, and that is not newer
 * than the copy's own. Until then a copy is <em>pending</em>: as with Patroni it does not stop a promotion, which logs
 * a warning naming the pending slots; a slot that turns safe is logged once.
 *
 * <p>Pure: the shell keeps the queue (slot name to the primary's remembered logical {@code catalog_xmin}, null while
 * not yet read) between cycles, reads the primary and this node, and calls {@link #check}.
 */
public final class LogicalSlotReadiness {
    private LogicalSlotReadiness() {}

    /**
     * @param queue the pending slots afterwards
     * @param ready the slots found safe now, to be logged
     */
    public record Result(Map<String, Long> queue, List<String> ready) {}

    /**
     * One check.
     *
     * @param queue          pending slots (slot name to remembered primary logical catalog_xmin, null when not read)
     * @param primaryLogical the primary's {@code catalog_xmin} of the pending slots not read yet (absent: the primary
     *                       does not have the slot or did not answer; a null value: none set)
     * @param physical       the primary's {@code catalog_xmin} of the physical slot this replica streams through, null
     *                       when unset (not streaming yet, or no hot_standby_feedback) or unknown
     * @param standby        {@code catalog_xmin} of this node's slots by name (a null value: unset); a slot absent
     *                       here is no longer pending (it was dropped)
     */
    public static Result check(Map<String, Long> queue, Map<String, Long> primaryLogical, Long physical,
                               Map<String, Long> standby) {
        Map<String, Long> out = new LinkedHashMap<>(queue);
        if (physical != null) {
            // remember the primary's logical catalog_xmin once the physical one is valid (Patroni's order)
            for (Map.Entry<String, Long> e : primaryLogical.entrySet()) {
                if (out.containsKey(e.getKey()) && out.get(e.getKey()) == null) out.put(e.getKey(), e.getValue());
            }
        }
        List<String> ready = new ArrayList<>();
        for (String name : List.copyOf(out.keySet())) {
            if (!standby.containsKey(name)) {
                out.remove(name);
                continue;
            }
            Long remembered = out.get(name);
            Long copy = standby.get(name);
            long own = copy == null ? 0 : copy;
            if (physical != null && remembered != null && remembered <= physical && physical <= own) {
                out.remove(name);
                ready.add(name);
            }
        }
        return new Result(out, ready);
    }

    /** The pending slots whose primary {@code catalog_xmin} has not been read yet. */
    public static List<String> unread(Map<String, Long> queue) {
        List<String> out = new ArrayList<>();
        queue.forEach((k, v) -> {
            if (v == null) out.add(k);
        });
        return out;
    }

    /**
     * The name of the physical slot on the primary that carries this node's feedback (Patroni's
     * get_slot_name_on_primary): its own slot, or, for a replica that {@code replicatefrom}s a running member other
     * than the leader, that member's (followed up the chain).
     */
    public static String slotOnPrimary(ClusterView cluster, String name, String replicateFrom) {
        String current = name;
        String upstream = replicateFrom;
        Set<String> seen = new HashSet<>();
        while (upstream != null && seen.add(current)) {
            Member m = member(cluster, upstream);
            if (m == null || !m.isRunning() || m.name().equals(current)
                    || (cluster.leader() != null && cluster.leader().name().equals(m.name()))) {
                break;
            }
            current = m.name();
            upstream = m.replicateFrom();
        }
        return dev.regent.core.ha.SlotNames.fromMemberName(current);
    }

    private static Member member(ClusterView cluster, String name) {
        for (Member m : cluster.members()) if (m.name().equals(name)) return m;
        return null;
    }
}
