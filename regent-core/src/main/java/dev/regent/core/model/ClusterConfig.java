package dev.regent.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dynamic configuration ({@code config} key) as a JSON tree, with its DCS version for compare-and-set.
 * Typed accessors apply Patroni's defaults; unparsable values fall back to the default.
 */
public record ClusterConfig(long version, Map<String, Object> data) {
    public ClusterConfig {
        data = data == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    public static ClusterConfig empty() {
        return new ClusterConfig(0, Map.of());
    }

    public int intValue(String key, int dflt) {
        Object v = data.get(key);
        if (v == null) return dflt;
        try {
            return (int) Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    public long longValue(String key, long dflt) {
        Object v = data.get(key);
        if (v == null) return dflt;
        try {
            return (long) Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    public boolean boolValue(String key, boolean dflt) {
        Object v = data.get(key);
        return v == null ? dflt : Tags.isTrue(v);
    }

    /**
     * Regent's fast failover profile ({@code regent: {fast_failover: true}}) as written; whether it is in force also
     * depends on the cluster's members ({@code dev.regent.core.config.FastFailover}): the configuration a node acts on
     * ({@code EffectiveConfig.global()}) has it set to false when it is refused.
     */
    public boolean fastFailover() {
        return data.get("regent") instanceof Map<?, ?> m && m.get("fast_failover") != null
                && Tags.isTrue(m.get("fast_failover"));
    }

    /** ttl with Patroni's minimum 20, or 6 under {@link #fastFailover()}. */
    public int ttl() { return Math.max(fastFailover() ? 6 : 20, intValue("ttl", 30)); }
    public int loopWait() { return Math.max(1, intValue("loop_wait", 10)); }
    /** retry_timeout with Patroni's minimum 3, or 2 under {@link #fastFailover()}. */
    public int retryTimeout() { return Math.max(fastFailover() ? 2 : 3, intValue("retry_timeout", 10)); }
    public long maximumLagOnFailover() { return longValue("maximum_lag_on_failover", 1048576L); }
    public int primaryStartTimeout() {
        return intValue("primary_start_timeout", intValue("master_start_timeout", 300));
    }
    /**
     * {@code primary_stop_timeout} in seconds ({@code master_stop_timeout} only when the new name is absent, as
     * Patroni reads it); 0 (no limit) when unset or unparsable.
     */
    public int primaryStopTimeout() {
        return data.containsKey("primary_stop_timeout") ? intValue("primary_stop_timeout", 0)
                : intValue("master_stop_timeout", 0);
    }
    public boolean checkTimeline() { return boolValue("check_timeline", false); }
    public boolean isPaused() { return boolValue("pause", false); }
    public int maxTimelinesHistory() { return intValue("max_timelines_history", 0); }

    /**
     * synchronous_mode: "off", "on" or "quorum" (booleans accepted); always "off" in a standby cluster (Patroni's
     * GlobalConfig.is_synchronous_mode ignores it there), so neither the decider, the switchover checks nor the REST
     * API treat anyone as synchronous.
     */
    public String synchronousMode() {
        if (standbyCluster() != null) return "off";
        Object v = data.get("synchronous_mode");
        if (v == null) return "off";
        String s = v.toString().toLowerCase();
        if (s.equals("quorum")) return "quorum";
        return Tags.isTrue(v) ? "on" : "off";
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> postgresql() {
        Object v = data.get("postgresql");
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    public boolean useSlots() {
        Object v = postgresql().get("use_slots");
        return v == null || Tags.isTrue(v);
    }

    /** The active {@code standby_cluster} section (Patroni's is_standby_cluster), or null. */
    public StandbyCluster standbyCluster() {
        return StandbyCluster.of(this);
    }

    public boolean usePgRewind() {
        return Tags.isTrue(postgresql().get("use_pg_rewind"));
    }
}
