package dev.regent.daemon.loop;

import dev.regent.core.ha.HaSettings;
import dev.regent.core.model.ClusterView;

/** Effective settings for a cycle: local config layered over the dynamic config of the snapshot. Thread-safe. */
public interface SettingsProvider {
    /** Settings in force given {@code cluster} (null = DCS unreachable: use the last known dynamic config). */
    HaSettings settings(ClusterView cluster);

    /** {@code bootstrap.dcs} as JSON text, written to {@code /config} after bootstrap; null when absent. */
    String bootstrapDcsJson();

    /** How long a start may take before it counts as failed (primary_start_timeout, pg_ctl_timeout). */
    java.time.Duration startTimeout(HaSettings settings);
}
