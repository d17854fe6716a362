package dev.regent.sim;

import dev.regent.core.ha.HaSettings;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.loop.SettingsProvider;
import dev.regent.dcs.DcsJson;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A simulated node's configuration: no tags, a bootstrap section, and the dynamic configuration of the DCS (or
 * {@code bootstrap.dcs} before the cluster has one): ttl 30, loop_wait 10, retry_timeout 10 (or the run's
 * {@link SimTimings}: the fast failover profile's 6, 1, 2 with {@code regent.fast_failover}),
 * maximum_lag_on_failover 256 KiB (a quarter of the default, so that lag meets failovers in short runs),
 * use_pg_rewind and use_slots on (Patroni's defaults otherwise), and the run's synchronous_mode.
 */
final class SimSettings implements SettingsProvider {
    private final String name;
    private final Map<String, Object> bootstrapDcs;
    private final String bootstrapDcsJson; // asked for at every cycle: encoded once
    private ClusterConfig lastKnown;

    /** {@code syncMode}: the run's {@code synchronous_mode} ({@code off}, {@code on} or {@code quorum}). */
    SimSettings(String name, String syncMode) {
        this(name, syncMode, false);
    }

    /** {@code failsafeMode}: {@code failsafe_mode: true} in the dynamic configuration. */
    SimSettings(String name, String syncMode, boolean failsafeMode) {
        this(name, syncMode, failsafeMode, SimTimings.STANDARD);
    }

    SimSettings(String name, String syncMode, boolean failsafeMode, SimTimings timings) {
        this.name = name;
        this.bootstrapDcs = bootstrapDcs(syncMode, timings);
        if (failsafeMode) bootstrapDcs.put("failsafe_mode", true);
        this.bootstrapDcsJson = DcsJson.configToJson(bootstrapDcs);
        this.lastKnown = new ClusterConfig(0, bootstrapDcs);
    }

    static Map<String, Object> bootstrapDcs(String syncMode) {
        return bootstrapDcs(syncMode, SimTimings.STANDARD);
    }

    static Map<String, Object> bootstrapDcs(String syncMode, SimTimings timings) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!"off".equals(syncMode)) m.put("synchronous_mode", syncMode);
        m.putAll(timings.dynamicKeys());
        m.put("maximum_lag_on_failover", SimCluster.MAX_LAG);
        m.put("postgresql", Map.of("use_pg_rewind", true, "use_slots", true));
        return m;
    }

    @Override
    public HaSettings settings(ClusterView cluster) {
        if (cluster != null && cluster.config() != null) lastKnown = cluster.config();
        ClusterConfig c = lastKnown;
        return new HaSettings(name, c.ttl(), c.loopWait(), c.retryTimeout(), Map.of(), true, c.usePgRewind(), false,
                false, c);
    }

    @Override
    public String bootstrapDcsJson() {
        return bootstrapDcsJson;
    }

    @Override
    public Duration startTimeout(HaSettings settings) {
        return Duration.ofSeconds(60);
    }
}
