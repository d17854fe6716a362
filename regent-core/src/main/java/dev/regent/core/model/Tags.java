package dev.regent.core.model;

import java.util.Map;

/** Interpretation of Patroni's predefined member tags (nofailover, failover_priority, nosync, ...). */
public final class Tags {
    private Tags() {}

    /** Patroni's truthiness for tag values: booleans, and strings like "true"/"yes"/"on"/"1". */
    public static boolean isTrue(Object v) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Number n) return n.doubleValue() != 0;
        String s = v.toString().trim().toLowerCase();
        return s.equals("true") || s.equals("yes") || s.equals("on") || s.equals("1") || s.equals("y");
    }

    /** The boolean tags Patroni predefines; the others (failover_priority, replicatefrom, ...) count as custom. */
    private static final java.util.Set<String> PREDEFINED_BOOLEANS =
            java.util.Set.of("clonefrom", "nofailover", "noloadbalance", "nosync", "nostream");

    /**
     * The tags a node publishes in its member key and {@code GET /patroni} (Patroni's {@code _filter_tags}): every
     * custom tag, and a predefined boolean tag only when its value is truthy in Python's sense, except that
     * {@code nofailover} stays when {@code failover_priority} is set and {@code nosync} when {@code sync_priority} is
     * (the reader needs both to resolve them). Order is kept. A {@code "nostream": false} is therefore not shown.
     */
    public static Map<String, Object> published(Map<String, Object> tags) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        if (tags == null) return out;
        tags.forEach((tag, value) -> {
            boolean keep = !PREDEFINED_BOOLEANS.contains(tag) || pythonTruthy(value)
                    || tag.equals("nofailover") && tags.containsKey("failover_priority")
                    || tag.equals("nosync") && tags.containsKey("sync_priority");
            if (keep) out.put(tag, value);
        });
        return out;
    }

    /** Python's bool(value): None, False, 0, "" and empty collections are false; anything else is true. */
    static boolean pythonTruthy(Object v) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Number n) return n.doubleValue() != 0;
        if (v instanceof CharSequence s) return s.length() > 0;
        if (v instanceof java.util.Collection<?> c) return !c.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    /** Patroni's rule: 0 when {@code nofailover} is true, else {@code failover_priority} (default 1). */
    public static int failoverPriority(Map<String, Object> tags) {
        if (isTrue(tags.get("nofailover"))) return 0;
        Object p = tags.get("failover_priority");
        if (p != null) {
            try {
                return (int) Double.parseDouble(p.toString());
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }

    /**
     * Patroni's rule: a configured {@code nofailover} wins over {@code failover_priority} (Patroni warns about a
     * contradiction at start and reload); without it, a priority of 0 or less means no failover.
     */
    public static boolean noFailover(Map<String, Object> tags) {
        Object flag = tags.get("nofailover");
        if (flag != null) return isTrue(flag);
        return failoverPriority(tags) <= 0;
    }

    /**
     * Patroni's {@code nosync}: an explicit {@code nosync} tag wins (Patroni warns about a contradicting
     * {@code sync_priority} at start and reload); without it, a {@code sync_priority} of 0 or less means nosync.
     */
    public static boolean noSync(Map<String, Object> tags) {
        Object flag = tags.get("nosync");
        if (flag != null) return isTrue(flag);
        Integer p = intTag(tags.get("sync_priority"));
        return p != null && p <= 0;
    }

    /** Patroni's {@code sync_priority}: 0 when {@code nosync} is true, else the tag (default 1 when absent/invalid). */
    public static int syncPriority(Map<String, Object> tags) {
        if (isTrue(tags.get("nosync"))) return 0;
        Integer p = intTag(tags.get("sync_priority"));
        return p == null ? 1 : p;
    }

    private static Integer intTag(Object v) {
        if (v == null) return null;
        try {
            return (int) Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
