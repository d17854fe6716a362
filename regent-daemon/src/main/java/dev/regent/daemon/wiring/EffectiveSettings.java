package dev.regent.daemon.wiring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.config.ConfigError;
import dev.regent.core.config.EffectiveConfig;
import dev.regent.core.config.FastFailover;
import dev.regent.core.config.NodeConfig;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.method.ReplicaMethods;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.daemon.config.DynamicConfigCache;
import dev.regent.daemon.loop.SettingsProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layers the local configuration over the dynamic one of each snapshot. Source of the dynamic layer, first that
 * exists: {@code /config} in the DCS, the cached {@code patroni.dynamic.json}, {@code bootstrap.dcs}. A changed
 * {@code /config} is written to the cache (atomically). The local configuration can be replaced on reload.
 * The dynamic layer's adjustments (raised minimums, the fast failover profile refused while Patroni members are in
 * the cluster) are logged as warnings whenever they change. Thread-safe.
 */
public final class EffectiveSettings implements SettingsProvider {
    private static final Logger LOG = LoggerFactory.getLogger(EffectiveSettings.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile NodeConfig local;
    private final DynamicConfigCache cache;
    private volatile ClusterConfig lastDynamic;
    private volatile EffectiveConfig current;
    /** Patroni members of the last snapshot read (kept while the DCS is unreachable). */
    private volatile List<String> patroniMembers = List.of();
    private List<ConfigError> loggedWarnings = List.of();
    private Boolean loggedFastFailover;

    public EffectiveSettings(NodeConfig local) {
        this.local = local;
        this.cache = new DynamicConfigCache(Path.of(local.postgresql().dataDir()));
        Optional<Map<String, Object>> cached = cache.read();
        this.lastDynamic = cached.map(m -> new ClusterConfig(0, m)).orElse(null);
        this.current = EffectiveConfig.of(local, lastDynamic);
    }

    /** Replace the local configuration (SIGHUP / POST /reload). */
    public void reload(NodeConfig newLocal) {
        this.local = newLocal;
        this.current = EffectiveConfig.of(newLocal, lastDynamic);
    }

    /** The effective configuration of the last {@link #settings} call. */
    public EffectiveConfig current() {
        return current;
    }

    public NodeConfig local() {
        return local;
    }

    @Override
    public HaSettings settings(ClusterView cluster) {
        ClusterConfig dyn = cluster != null && cluster.config() != null ? cluster.config() : lastDynamic;
        if (cluster != null && cluster.config() != null && (lastDynamic == null
                || !Objects.equals(lastDynamic.data(), cluster.config().data()))) {
            writeCache(cluster.config());
        }
        if (dyn != lastDynamic) lastDynamic = dyn;
        if (cluster != null) patroniMembers = FastFailover.patroniMembers(cluster);
        EffectiveConfig e = EffectiveConfig.of(local, dyn, patroniMembers);
        current = e;
        logChanges(e);
        NodeConfig l = local;
        return new HaSettings(l.name(), e.ttl(), e.loopWait(), e.retryTimeout(), l.tags(), l.bootstrap() != null,
                e.usePgRewind(), e.postgresqlFlag("remove_data_directory_on_rewind_failure"),
                e.postgresqlFlag("remove_data_directory_on_diverged_timelines"), e.global(),
                ReplicaMethods.canCreateWithoutLeader(l.postgresql().createReplicaMethods(),
                        l.postgresql().replicaMethodSections()));
    }

    /** Dynamic configuration warnings and the fast failover profile's state, logged once per change. */
    private synchronized void logChanges(EffectiveConfig e) {
        List<ConfigError> warnings = e.warnings();
        if (!warnings.equals(loggedWarnings)) {
            for (ConfigError w : warnings) {
                if (!loggedWarnings.contains(w)) LOG.warn("dynamic configuration: {}: {}", w.path(), w.message());
            }
            loggedWarnings = warnings;
        }
        if (loggedFastFailover == null ? e.fastFailover() : loggedFastFailover != e.fastFailover()) {
            LOG.info(e.fastFailover() ? "fast failover profile in force: ttl={} loop_wait={} retry_timeout={}"
                    : "fast failover profile not in force: ttl={} loop_wait={} retry_timeout={}",
                    e.ttl(), e.loopWait(), e.retryTimeout());
        }
        loggedFastFailover = e.fastFailover();
    }

    private void writeCache(ClusterConfig config) {
        try {
            // Only into an initialized data directory: a file in an empty one would make initdb/pg_basebackup fail.
            Path dataDir = cache.file().getParent();
            if (java.nio.file.Files.exists(dataDir.resolve("PG_VERSION"))) {
                cache.write(config.data());
                // The data directory belongs to the postgres OS user; pg_basebackup of this node must read the file.
                java.nio.file.Files.setOwner(cache.file(), java.nio.file.Files.getOwner(dataDir));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not write {}: {}", cache.file(), e.getMessage());
        }
    }

    @Override
    public String bootstrapDcsJson() {
        NodeConfig l = local;
        if (l.bootstrap() == null || l.bootstrap().dcs() == null) return null;
        try {
            return JSON.writeValueAsString(l.bootstrap().dcs());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bootstrap.dcs cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public Duration startTimeout(HaSettings settings) {
        int t = settings.dynamic().primaryStartTimeout();
        return Duration.ofSeconds(Math.max(t, local.postgresql().pgCtlTimeoutSeconds()));
    }
}
