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

    public static boolean noSync(Map<String, Object> tags) {
        if (isTrue(tags.get("nosync"))) return true;
        Object p = tags.get("sync_priority");
        if (p == null) return false;
        try {
            return Double.parseDouble(p.toString()) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
