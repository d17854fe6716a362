package dev.regent.core.slots;

import dev.regent.core.ha.SlotNames;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which replication slots a node should have, at which position (Patroni 4.x's {@code Cluster.get_replication_slots}
 * with {@code member_slots_ttl}). Pure: the cluster snapshot and this node's facts in, slot specs out.
 *
 * <ul>
 *   <li>{@code use_slots: false}: none.</li>
 *   <li>Member slots, PostgreSQL 11+ and {@code member_slots_ttl > 0}: every node keeps one for every other member
 *       that streams (not {@code nostream}), a {@code nofailover} node only for members that {@code replicatefrom}
 *       it; plus the slots named in {@code /status.retain_slots} (members that left less than member_slots_ttl
 *       ago). Otherwise the lock holder keeps slots for members streaming from it (no {@code replicatefrom}, or
 *       naming it or a member that does not exist) and a replica only for members cascading from it.</li>
 *   <li>Permanent slots ({@code slots}, aliases {@code permanent_slots}, {@code permanent_replication_slots}): none on
 *       a {@code nofailover} node; physical ones everywhere else; logical ones (PostgreSQL 11+, not in a standby
 *       cluster) on the primary and on replicas that stream (not {@code nostream}); {@code cluster_type} limits a
 *       slot to primary or standby clusters.</li>
 * </ul>
 * A slot that a member streams from this node through is "expected active" and never advanced; the others carry the
 * position to advance them to: for a member's slot its position in {@code /status.slots}, else the member's published
 * WAL position (for a member with {@code replicatefrom} the larger of both), for a permanent slot the larger of
 * {@code /status.slots} and the position of a member of that slot name.
 */
public final class SlotPlanner {
    /** PostgreSQL 11: pg_replication_slot_advance (Patroni's SLOT_ADVANCE_AVAILABLE_VERSION). */
    public static final int SLOT_ADVANCE_VERSION = 110000;
    /** Patroni's default member_slots_ttl: 30 min. */
    public static final long DEFAULT_MEMBER_SLOTS_TTL_SECONDS = 1800;

    private SlotPlanner() {}

    /**
     * This node's facts.
     *
     * @param name          member name
     * @param tags          this node's tags (nofailover, nostream, replicatefrom, ...)
     * @param primaryRole   postgres runs as primary and holds the lock (or is the standby leader)
     * @param serverVersion server_version_num, 0 when unknown (then the pre-11 rules apply)
     */
    public record Node(String name, Map<String, Object> tags, boolean primaryRole, int serverVersion) {
        public Node {
            tags = tags == null ? Map.of() : tags;
        }

        boolean noFailover() { return Tags.noFailover(tags); }

        boolean noStream() { return Tags.isTrue(tags.get("nostream")); }
    }

    /** The slots {@code node} should have, by name (sorted). */
    public static Map<String, SlotSpec> desired(ClusterView cluster, ClusterConfig config, Node node) {
        Map<String, SlotSpec> out = new TreeMap<>();
        if (config == null || !config.useSlots()) return out;
        String mySlot = SlotNames.fromMemberName(node.name());
        boolean modern = modern(config, node.serverVersion());
        List<Member> members = cluster == null ? List.of() : cluster.members();
        String leader = cluster == null || cluster.leader() == null ? null : cluster.leader().name();
        for (Member m : members) {
            if (m.name().equals(node.name()) || m.noStream()) continue;
            String rf = m.replicateFrom();
            boolean fromMe = node.primaryRole()
                    ? rf == null || rf.equals(node.name()) || cluster.member(rf).isEmpty()
                    : node.name().equals(rf) && !m.name().equals(leader);
            if (modern ? node.noFailover() && !node.name().equals(rf) : !fromMe) continue;
            String slot = SlotNames.fromMemberName(m.name());
            if (slot.equals(mySlot)) continue;
            // the leader's /status.slots position when published (the primary's own slot of that member, so that
            // copies stay in sync with it), else the member's own WAL position; a member that cascades (replicatefrom)
            // does not stream from the primary, whose slot of it stands still: the larger of both (Patroni 4), or the
            // primary's own published position would hold that slot back forever
            long published = cluster.status().slots().getOrDefault(slot, m.walPosition());
            long lsn = rf == null ? published : Math.max(m.walPosition(), published);
            out.put(slot, fromMe ? SlotSpec.memberStreaming()
                    : new SlotSpec(SlotSpec.PHYSICAL, null, null, lsn, false, false));
        }
        if (modern && cluster != null && !node.noFailover()) {
            for (String retained : cluster.status().retainSlots()) {
                if (retained.equals(mySlot) || out.containsKey(retained) || !SlotNames.isValid(retained)) continue;
                long lsn = cluster.status().slots().getOrDefault(retained, 0L);
                out.put(retained, new SlotSpec(SlotSpec.PHYSICAL, null, null, lsn, false, false));
            }
        }
        addPermanent(out, cluster, config, node, mySlot);
        return out;
    }

    private static void addPermanent(Map<String, SlotSpec> out, ClusterView cluster, ClusterConfig config, Node node,
                                     String mySlot) {
        if (node.noFailover()) return;
        boolean standbyCluster = isStandbyCluster(config);
        Map<String, Long> published = cluster == null ? Map.of() : cluster.status().slots();
        Map<String, Long> memberLsn = new LinkedHashMap<>();
        if (cluster != null) {
            for (Member m : cluster.members()) memberLsn.put(SlotNames.fromMemberName(m.name()), m.walPosition());
        }
        for (Map.Entry<String, Permanent> e : permanentSlots(config).entrySet()) {
            String name = e.getKey();
            Permanent p = e.getValue();
            if (p == null || !SlotNames.isValid(name)) continue;
            if (p.clusterType() != null && !p.clusterType().equals(standbyCluster ? "standby" : "primary")) continue;
            long lsn = published.getOrDefault(name, 0L);
            if (p.physical()) {
                if (name.equals(mySlot)) continue;  // never a permanent slot for ourselves
                lsn = Math.max(lsn, memberLsn.getOrDefault(name, 0L));
                out.put(name, new SlotSpec(SlotSpec.PHYSICAL, null, null, lsn, false, true));
            } else {
                if (standbyCluster || node.noStream() || out.containsKey(name)) continue;
                if (!node.primaryRole() && node.serverVersion() < SLOT_ADVANCE_VERSION) continue;
                out.put(name, new SlotSpec(SlotSpec.LOGICAL, p.plugin(), p.database(), lsn, false, true));
            }
        }
    }

    /** PostgreSQL 11+ (known) and member_slots_ttl above 0: every node keeps every member's slot. */
    public static boolean modern(ClusterConfig config, int serverVersion) {
        return serverVersion >= SLOT_ADVANCE_VERSION && memberSlotsTtlSeconds(config) > 0;
    }

    /** A permanent slot definition: physical, or logical with plugin and database; cluster_type or null. */
    public record Permanent(boolean physical, String plugin, String database, String clusterType) {}

    /**
     * The permanent slots of the dynamic config, by name (Patroni reads {@code permanent_replication_slots}, else
     * {@code permanent_slots}, else {@code slots}). A value that is empty means physical; {@code type} defaults to
     * logical when plugin and database are both set. Invalid definitions (a logical slot without plugin or database,
     * an unknown type) map to null.
     */
    public static Map<String, Permanent> permanentSlots(ClusterConfig config) {
        Map<String, Permanent> out = new TreeMap<>();
        Object raw = null;
        for (String key : List.of("permanent_replication_slots", "permanent_slots", "slots")) {
            raw = config.data().get(key);
            if (raw != null) break;
        }
        if (!(raw instanceof Map<?, ?> map)) return out;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> v) || v.isEmpty()) {
                out.put(name, new Permanent(true, null, null, null));
                continue;
            }
            String plugin = str(v.get("plugin"));
            String database = str(v.get("database"));
            String clusterType = str(v.get("cluster_type"));
            String type = str(v.get("type"));
            if (type == null) type = plugin != null && database != null ? SlotSpec.LOGICAL : SlotSpec.PHYSICAL;
            if (type.equals(SlotSpec.PHYSICAL)) {
                out.put(name, new Permanent(true, null, null, clusterType));
            } else if (type.equals(SlotSpec.LOGICAL) && plugin != null && database != null) {
                out.put(name, new Permanent(false, plugin, database, clusterType));
            } else {
                out.put(name, null);
            }
        }
        return out;
    }

    /**
     * What the primary publishes in {@code /status.slots}: the position of each permanent slot it has (physical:
     * restart_lsn, logical: confirmed_flush_lsn), and with member_slots_ttl (PostgreSQL 11+) also the members' and
     * retained slots, so that replicas can advance their copies. Slots of other types than wanted are left out.
     */
    public static Map<String, Long> published(Map<String, SlotSpec> desired, List<ExistingSlot> existing,
                                              boolean modern) {
        return published(desired, existing, modern, null, 0);
    }

    /**
     * As {@link #published(Map, List, boolean)}; with member_slots_ttl the primary also publishes its own slot name at
     * its current WAL position ({@code ownLsn}), so that the other nodes advance their slot for it (Patroni's
     * {@code /status.slots} names the leader too).
     */
    public static Map<String, Long> published(Map<String, SlotSpec> desired, List<ExistingSlot> existing,
                                              boolean modern, String ownSlot, long ownLsn) {
        Map<String, Long> out = new TreeMap<>();
        if (modern && ownSlot != null && ownLsn > 0) out.put(ownSlot, ownLsn);
        for (ExistingSlot s : existing) {
            SlotSpec d = desired.get(s.name());
            if (d == null || !d.type().equals(s.type()) || (!d.permanent() && !modern)) continue;
            Long lsn = d.isLogical() ? s.confirmedFlushLsn() : s.restartLsn();
            if (lsn != null && lsn > 0) out.put(s.name(), lsn);
        }
        return out;
    }

    private static boolean isStandbyCluster(ClusterConfig config) {
        if (!(config.data().get("standby_cluster") instanceof Map<?, ?> m)) return false;
        return str(m.get("host")) != null || str(m.get("port")) != null || str(m.get("restore_command")) != null;
    }

    /**
     * {@code member_slots_ttl} in seconds: a number (seconds) or a string with a unit ({@code ms}, {@code s},
     * {@code min}, {@code h}, {@code d}); default 1800; unparsable values get the default.
     */
    public static long memberSlotsTtlSeconds(ClusterConfig config) {
        Object v = config.data().get("member_slots_ttl");
        if (v == null) return DEFAULT_MEMBER_SLOTS_TTL_SECONDS;
        if (v instanceof Number n) return Math.max(0, n.longValue());
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        if (i == 0) return DEFAULT_MEMBER_SLOTS_TTL_SECONDS;
        double n;
        try {
            n = Double.parseDouble(s.substring(0, i));
        } catch (NumberFormatException e) {
            return DEFAULT_MEMBER_SLOTS_TTL_SECONDS;
        }
        double factor = switch (s.substring(i).trim()) {
            case "", "s" -> 1;
            case "ms" -> 0.001;
            case "min" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> -1;
        };
        return factor < 0 ? DEFAULT_MEMBER_SLOTS_TTL_SECONDS : (long) (n * factor);
    }

    /** The {@code ignore_slots} matchers of the dynamic config. */
    public static List<IgnoreMatcher> ignoreMatchers(ClusterConfig config) {
        return config == null ? new ArrayList<>() : IgnoreMatcher.parse(config.data().get("ignore_slots"));
    }

    private static String str(Object o) {
        return o == null || o.toString().isEmpty() ? null : o.toString();
    }
}
