package dev.regent.core.config;

import dev.regent.core.model.ClusterConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration in force: defaults ⊕ dynamic ⊕ local, with Patroni's precedence rules (spec §1.1,
 * {@code _build_effective_configuration}):
 * <ul>
 *   <li>ttl, loop_wait, retry_timeout and standby_cluster come only from the dynamic layer;</li>
 *   <li>local {@code postgresql.*} overrides dynamic, except {@code use_slots} (dynamic only) and protected
 *       parameters (dropped from the local layer already by validation);</li>
 *   <li>dynamic local-only keys ({@code listen}, {@code data_dir}, {@code authentication}, ...) are discarded;</li>
 *   <li>other dynamic keys (synchronous_mode, maximum_lag_on_failover, pause, slots, ...) are read from
 *       {@link #global()} as they are.</li>
 * </ul>
 * Immutable and thread-safe. Build a new one whenever {@code /config} or the local file changes.
 */
public final class EffectiveConfig {
    private final NodeConfig local;
    private final DynamicConfig dynamic;
    private final ClusterConfig global;
    private final Map<String, Object> postgresql;
    private final Map<String, Object> parameters;

    private EffectiveConfig(NodeConfig local, DynamicConfig dynamic, ClusterConfig global) {
        this.local = local;
        this.dynamic = dynamic;
        this.global = global;
        this.parameters = new LinkedHashMap<>(dynamic.parameters());
        parameters.putAll(local.postgresql().parameters());
        this.postgresql = mergePostgresql(local, dynamic, parameters);
    }

    /**
     * Layers {@code local} over {@code dynamic}.
     *
     * @param local   the validated local configuration
     * @param dynamic the cluster's {@code /config}, or null when the cluster has none yet: then
     *                {@code bootstrap.dcs} of the local configuration plays that role (empty without a bootstrap
     *                section)
     */
    public static EffectiveConfig of(NodeConfig local, ClusterConfig dynamic) {
        return of(local, dynamic, List.of());
    }

    /**
     * {@link #of(NodeConfig, ClusterConfig)} in a cluster whose members {@code patroniMembers} are Patroni's
     * ({@link FastFailover#patroniMembers}): with any, {@code regent.fast_failover} is refused with a warning.
     */
    public static EffectiveConfig of(NodeConfig local, ClusterConfig dynamic, List<String> patroniMembers) {
        long version = dynamic == null ? 0 : dynamic.version();
        Map<String, Object> data = dynamic != null ? dynamic.data()
                : local.bootstrap() == null ? Map.of() : local.bootstrap().dcs();
        DynamicConfig dyn = DynamicConfig.of(data, patroniMembers);
        return new EffectiveConfig(local, dyn, dyn.asClusterConfig(version));
    }

    private static Map<String, Object> mergePostgresql(NodeConfig local, DynamicConfig dynamic,
                                                       Map<String, Object> parameters) {
        Map<String, Object> out = new LinkedHashMap<>(dynamic.postgresql());
        Map<String, Object> localPg = DynamicConfig.asMap(local.raw().get("postgresql"));
        localPg.forEach((k, v) -> {
            if (!k.equals("use_slots") && !k.equals("parameters")) {
                out.put(k, v);
            }
        });
        out.put("parameters", parameters);
        return out;
    }

    public NodeConfig local() { return local; }

    /** The global configuration (dynamic layer with adjusted timeouts) that the HA decider reads. */
    public ClusterConfig global() { return global; }

    public int ttl() { return dynamic.ttl(); }

    public int loopWait() { return dynamic.loopWait(); }

    public int retryTimeout() { return dynamic.retryTimeout(); }

    /** Regent's fast failover profile is in force ({@link FastFailover}). */
    public boolean fastFailover() { return dynamic.fastFailover(); }

    /** {@code postgresql.use_slots}: dynamic only, default true. */
    public boolean useSlots() {
        Boolean b = PatroniValues.parseBool(dynamic.postgresql().get("use_slots"));
        return b == null || b;
    }

    /** {@code postgresql.use_pg_rewind}: local value if set, else dynamic, default false. */
    public boolean usePgRewind() {
        Boolean b = PatroniValues.parseBool(postgresql.get("use_pg_rewind"));
        return b != null && b;
    }

    /** A boolean {@code postgresql.*} setting after layering (local over dynamic), default false. */
    public boolean postgresqlFlag(String key) {
        Boolean b = PatroniValues.parseBool(postgresql.get(key));
        return b != null && b;
    }

    /**
     * The PostgreSQL parameters to render: protected defaults ⊕ dynamic parameters (invalid protected values fell
     * back to defaults) ⊕ local non-protected parameters. Does not contain listen_addresses, port or cluster_name,
     * which the renderer derives from {@code postgresql.listen} and {@code scope}.
     */
    public Map<String, Object> postgresqlParameters() { return Collections.unmodifiableMap(parameters); }

    /** The effective {@code postgresql} section (dynamic, local-only keys discarded, then local keys over it). */
    public Map<String, Object> postgresql() { return Collections.unmodifiableMap(postgresql); }

    /** {@code standby_cluster} from the dynamic layer (empty when not configured). */
    public Map<String, Object> standbyCluster() { return dynamic.standbyCluster(); }

    /** True when the dynamic standby_cluster has host, port or restore_command (spec §1.11). */
    public boolean isStandbyCluster() {
        Map<String, Object> s = dynamic.standbyCluster();
        return List.of("host", "port", "restore_command").stream()
                .anyMatch(k -> s.get(k) != null && !String.valueOf(s.get(k)).isEmpty());
    }

    /** Warnings from layering: raised minimums, adjusted loop_wait/retry_timeout, rejected parameters. */
    public List<ConfigError> warnings() { return new ArrayList<>(dynamic.warnings()); }

    /** One line per effective setting, for the start-up log. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("ttl=" + ttl() + " loop_wait=" + loopWait() + " retry_timeout=" + retryTimeout()
                + (fastFailover() ? " (fast failover profile)" : ""));
        out.add("use_slots=" + useSlots() + " use_pg_rewind=" + usePgRewind() + " synchronous_mode="
                + global.synchronousMode() + " maximum_lag_on_failover=" + global.maximumLagOnFailover());
        new java.util.TreeMap<>(parameters).forEach((k, v) -> out.add("postgresql.parameters." + k + "=" + v));
        return out;
    }
}
