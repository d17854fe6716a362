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
}
