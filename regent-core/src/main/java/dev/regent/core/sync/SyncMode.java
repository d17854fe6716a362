package dev.regent.core.sync;

import dev.regent.core.model.ClusterConfig;

/**
 * {@code synchronous_mode} of the dynamic configuration: {@code off}, {@code on} (also {@code true}; PostgreSQL's
 * priority form, every listed standby confirms each commit) or {@code quorum} ({@code ANY k}, Patroni 4.0).
 */
public enum SyncMode {
    OFF, ON, QUORUM;

    /** The mode configured in {@code config}; invalid values count as off (the validator reports them). */
    public static SyncMode of(ClusterConfig config) {
        return switch (config.synchronousMode()) {
            case "quorum" -> QUORUM;
            case "on" -> ON;
            default -> OFF;
        };
    }

    public boolean enabled() { return this != OFF; }

    /**
     * Patroni's reading of a {@code /config} that nobody validated (edit-config, a Patroni member): an unknown
     * {@code synchronous_mode} counts as off and a {@code synchronous_node_count} below 1 as 1. Regent does the same
     * but says so: the warning to log, or null when both values are valid.
     */
    public static String invalid(ClusterConfig config) {
        Object mode = config.data().get("synchronous_mode");
        if (mode != null && !(mode instanceof Boolean)) {
            String m = mode.toString().trim().toLowerCase(java.util.Locale.ROOT);
            if (!java.util.Set.of("off", "on", "quorum", "true", "false", "yes", "no", "1", "0", "y", "n")
                    .contains(m)) {
                return "synchronous_mode: '" + mode + "' in /config is none of off, on, quorum: synchronous"
                        + " replication is off";
            }
        }
        Object count = config.data().get("synchronous_node_count");
        if (count != null && config.intValue("synchronous_node_count", 1) < 1) {
            return "synchronous_node_count: " + count + " in /config is below 1: using 1";
        }
        return null;
    }
}
