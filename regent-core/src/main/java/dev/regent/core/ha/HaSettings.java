package dev.regent.core.ha;

import dev.regent.core.model.ClusterConfig;
import java.util.Map;

/**
 * The effective settings the decider needs, already layered (local over dynamic over defaults).
 *
 * @param name                 this member's name
 * @param ttlSeconds           leader lock TTL
 * @param loopWaitSeconds      HA cycle period
 * @param retryTimeoutSeconds  DCS retry budget
 * @param tags                 this node's tags
 * @param hasBootstrapSection  local config has a {@code bootstrap} section (may initialize a new cluster)
 * @param usePgRewind          postgresql.use_pg_rewind
 * @param removeDataDirectoryOnRewindFailure     postgresql.remove_data_directory_on_rewind_failure
 * @param removeDataDirectoryOnDivergedTimelines postgresql.remove_data_directory_on_diverged_timelines
 * @param dynamic              the dynamic (global) config in force: {@code /config}, or {@code bootstrap.dcs}
 *                             before the cluster has one
 * @param replicaWithoutLeader a configured replica creation method works with no member to clone from
 *                             ({@code no_leader}): a new node may create itself while the cluster has no leader
 */
public record HaSettings(String name, int ttlSeconds, int loopWaitSeconds, int retryTimeoutSeconds,
                         Map<String, Object> tags, boolean hasBootstrapSection, boolean usePgRewind,
                         boolean removeDataDirectoryOnRewindFailure, boolean removeDataDirectoryOnDivergedTimelines,
                         ClusterConfig dynamic, boolean replicaWithoutLeader) {
    public HaSettings {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        dynamic = dynamic == null ? ClusterConfig.empty() : dynamic;
    }

    /** Without a replica creation method that works with no leader. */
    public HaSettings(String name, int ttlSeconds, int loopWaitSeconds, int retryTimeoutSeconds,
                      Map<String, Object> tags, boolean hasBootstrapSection, boolean usePgRewind,
                      boolean removeDataDirectoryOnRewindFailure, boolean removeDataDirectoryOnDivergedTimelines,
                      ClusterConfig dynamic) {
        this(name, ttlSeconds, loopWaitSeconds, retryTimeoutSeconds, tags, hasBootstrapSection, usePgRewind,
                removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, dynamic, false);
    }
}
