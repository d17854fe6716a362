package dev.regent.core.config;

import dev.regent.core.model.ClusterConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dynamic configuration ({@code /config}, or {@code bootstrap.dcs} before it exists) over Patroni's defaults,
 * sanitised like Patroni's {@code _safe_copy_dynamic_configuration} and {@code _validate_and_adjust_timeouts}:
 * ttl/loop_wait/retry_timeout coerced to int and raised to their minimums (20/1/3), then
 * {@code loop_wait + 2*retry_timeout <= ttl} enforced by shrinking loop_wait, or, when even loop_wait=1 does not fit,
 * by setting loop_wait=1 and retry_timeout=(ttl-1)//2. Protected parameters with invalid values fall back to their
 * defaults; local-only {@code postgresql} keys are discarded. Every adjustment is reported as a warning. With
 * Regent's {@code regent.fast_failover} on and no Patroni member in the cluster the minimums are
 * {@link FastFailover}'s (6/1/2) instead (see there). Immutable and thread-safe.
 */
public final class DynamicConfig {
    /** {@code postgresql} keys that only the local configuration may set. */
    static final Set<String> LOCAL_ONLY_PG_KEYS = Set.of("connect_address", "proxy_address", "listen", "config_dir",
            "data_dir", "pgpass", "authentication");
    static final Set<String> STANDBY_CLUSTER_KEYS = Set.of("create_replica_methods", "host", "port",
            "primary_slot_name", "restore_command", "archive_cleanup_command", "recovery_min_apply_delay");

    private final Map<String, Object> raw;
    private final int ttl;
    private final int loopWait;
    private final int retryTimeout;
    private final Map<String, Object> postgresql;
    private final Map<String, Object> parameters;
    private final Map<String, Object> standbyCluster;
    private final List<ConfigError> warnings;
    private final boolean fastFailover;

    private DynamicConfig(Map<String, Object> raw, boolean fastFailover, int[] timeouts, Map<String, Object> postgresql,
                          Map<String, Object> parameters, Map<String, Object> standbyCluster,
                          List<ConfigError> warnings) {
        this.raw = raw;
        this.fastFailover = fastFailover;
        this.ttl = timeouts[0];
        this.loopWait = timeouts[1];
        this.retryTimeout = timeouts[2];
        this.postgresql = postgresql;
        this.parameters = parameters;
        this.standbyCluster = standbyCluster;
        this.warnings = List.copyOf(warnings);
    }

    /** Sanitises a dynamic configuration JSON tree (null = empty) of a cluster without Patroni members. */
    public static DynamicConfig of(Map<String, Object> data) {
        return of(data, List.of());
    }

    /**
     * Sanitises a dynamic configuration JSON tree (null = empty) of a cluster whose members {@code patroniMembers}
     * are Patroni's ({@link FastFailover#patroniMembers}): with any, the fast failover profile is refused.
     */
    public static DynamicConfig of(Map<String, Object> data, List<String> patroniMembers) {
        Map<String, Object> raw = data == null ? new LinkedHashMap<>() : new LinkedHashMap<>(data);
        List<ConfigError> warnings = new ArrayList<>();
        boolean fast = FastFailover.requested(raw, warnings);
        if (fast && !patroniMembers.isEmpty()) {
            warnings.add(FastFailover.refusedWarning(patroniMembers));
            fast = false;
        }
        int[] timeouts = adjustTimeouts(raw, fast, warnings);
        Map<String, Object> pgIn = asMap(raw.get("postgresql"));
        Map<String, Object> pg = new LinkedHashMap<>();
        pg.put("use_slots", Boolean.TRUE);
        pgIn.forEach((k, v) -> {
            if (!LOCAL_ONLY_PG_KEYS.contains(k) && !k.equals("parameters")) {
                pg.put(k, v);
            }
        });
        Map<String, Object> params = parameters(asMap(pgIn.get("parameters")), warnings);
        pg.put("parameters", params);
        Map<String, Object> standby = new LinkedHashMap<>();
        asMap(raw.get("standby_cluster")).forEach((k, v) -> {
            if (STANDBY_CLUSTER_KEYS.contains(k)) {
                standby.put(k, v);
            }
        });
        return new DynamicConfig(raw, fast, timeouts, pg, params, standby, warnings);
    }

    /** {@link #of(Map)} of a cluster's {@code /config}. */
    public static DynamicConfig of(ClusterConfig config) {
        return of(config == null ? null : config.data());
    }

    /**
     * Returns {ttl, loop_wait, retry_timeout} after the minimums (Patroni's, or {@link FastFailover}'s when
     * {@code fast}) and the loop_wait + 2*retry <= ttl rule.
     */
    static int[] adjustTimeouts(Map<String, Object> raw, boolean fast, List<ConfigError> warnings) {
        int loopWait = atLeast(raw, "loop_wait", 10, fast ? FastFailover.MIN_LOOP_WAIT : 1, warnings);
        int retry = atLeast(raw, "retry_timeout", 10, fast ? FastFailover.MIN_RETRY_TIMEOUT : 3, warnings);
        int ttl = atLeast(raw, "ttl", 30, fast ? FastFailover.MIN_TTL : 20, warnings);
        if (1 + 2 * retry > ttl) {
            int newRetry = (ttl - 1) / 2;
            warnings.add(warning("loop_wait", "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl="
                    + ttl + ". Adjusting loop_wait from " + loopWait + " to 1 and retry_timeout from " + retry
                    + " to " + newRetry));
            return new int[] {ttl, 1, newRetry};
        }
        if (loopWait + 2 * retry > ttl) {
            int newLoop = ttl - 2 * retry;
            warnings.add(warning("loop_wait", "Violated the rule \"loop_wait + 2*retry_timeout <= ttl\", where ttl="
                    + ttl + " and retry_timeout=" + retry + ". Adjusting loop_wait from " + loopWait + " to "
                    + newLoop));
            return new int[] {ttl, newLoop, retry};
        }
        return new int[] {ttl, loopWait, retry};
    }

    private static int atLeast(Map<String, Object> raw, String key, int dflt, int min, List<ConfigError> warnings) {
        Object v = raw.get(key);
        Long n = v == null || v instanceof Boolean ? null : PatroniValues.parseInt(v);
        if (v != null && n == null) {
            warnings.add(warning(key, key + "=" + v + " is not an integer, using the default " + dflt));
        }
        long value = n == null ? dflt : n;
        if (value < min) {
            warnings.add(warning(key, key + "=" + value + " can't be smaller than " + min + ", adjusting..."));
            value = min;
        }
        return (int) Math.min(value, Integer.MAX_VALUE);
    }

    /** Defaults of the protected GUCs, overridden by valid dynamic values; every other GUC passes through. */
    private static Map<String, Object> parameters(Map<String, Object> dynamic, List<ConfigError> warnings) {
        Map<String, Object> out = ProtectedParameters.defaults();
        dynamic.forEach((name, value) -> {
            if (!ProtectedParameters.isProtected(name)) {
                out.put(name, value);
            } else if (ProtectedParameters.isValid(name, value)) {
                Long asInt = value instanceof Boolean ? null : PatroniValues.parseInt(value);
                out.put(name, asInt != null && ProtectedParameters.defaultValue(name) instanceof Long ? asInt : value);
            } else {
                Object dflt = ProtectedParameters.defaultValue(name);
                warnings.add(warning("postgresql.parameters." + name, "postgresql parameter " + name + "=" + value
                        + " failed validation, " + (dflt == null ? "ignored (set by Regent)" : "defaulting to "
                        + dflt)));
            }
        });
        return out;
    }

    private static ConfigError warning(String path, String message) {
        return new ConfigError(path, "dynamic configuration", message, true);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object v) {
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    public int ttl() { return ttl; }

    /** The fast failover profile is in force: asked for and not refused (its floors applied). */
    public boolean fastFailover() { return fastFailover; }

    public int loopWait() { return loopWait; }

    public int retryTimeout() { return retryTimeout; }

    /** Sanitised {@code postgresql} section (use_slots defaulted, local-only keys gone, parameters processed). */
    public Map<String, Object> postgresql() { return java.util.Collections.unmodifiableMap(postgresql); }

    /** Protected defaults ⊕ dynamic {@code postgresql.parameters} (invalid protected values replaced). */
    public Map<String, Object> parameters() { return java.util.Collections.unmodifiableMap(parameters); }

    /** {@code standby_cluster} limited to its known keys (empty when not a standby cluster). */
    public Map<String, Object> standbyCluster() { return java.util.Collections.unmodifiableMap(standbyCluster); }

    /** Adjustments made, as warnings. */
    public List<ConfigError> warnings() { return warnings; }

    /**
     * The global configuration with the adjusted ttl/loop_wait/retry_timeout written back, as the decider reads it
     * ({@code synchronous_mode}, {@code maximum_lag_on_failover}, {@code pause}, ... are taken from here as-is).
     */
    public ClusterConfig asClusterConfig(long version) {
        Map<String, Object> out = new LinkedHashMap<>(raw);
        out.put("ttl", ttl);
        out.put("loop_wait", loopWait);
        out.put("retry_timeout", retryTimeout);
        if (out.containsKey(FastFailover.SECTION)) {  // the profile as applied: refused or invalid reads as off
            Map<String, Object> regent = new LinkedHashMap<>(asMap(out.get(FastFailover.SECTION)));
            regent.put(FastFailover.KEY, fastFailover);
            out.put(FastFailover.SECTION, regent);
        }
        return new ClusterConfig(version, out);
    }
}
