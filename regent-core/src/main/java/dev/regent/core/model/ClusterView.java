package dev.regent.core.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of one cluster's keys in the DCS, read in one go.
 *
 * @param initialize  null when the {@code initialize} key is absent; "" while bootstrap runs; else the system id
 * @param config      dynamic config, or null when absent/invalid
 * @param leader      leader lock, or null when the cluster is unlocked
 * @param status      last known leader WAL position and slots
 * @param members     members sorted by name
 * @param failover    pending manual failover/switchover, or null
 * @param sync        synchronous replication state, or null
 * @param history     timeline history
 * @param failsafe    {@code failsafe} key (member name to api_url), or null
 * @param initializeVersion the mod revision of {@code initialize} (0 when absent or unknown): the condition of a
 *                    conditional delete of a bootstrap placeholder that was left behind
 */
public record ClusterView(String initialize, ClusterConfig config, Leader leader, ClusterStatus status,
                          List<Member> members, Failover failover, SyncState sync, TimelineHistory history,
                          Map<String, String> failsafe, long initializeVersion) {
    public ClusterView {
        List<Member> sorted = new ArrayList<>(members == null ? List.of() : members);
        sorted.sort(Comparator.comparing(Member::name));
        members = List.copyOf(sorted);
        status = status == null ? ClusterStatus.EMPTY : status;
        history = history == null ? new TimelineHistory(0, List.of()) : history;
    }

    /** A snapshot whose {@code initialize} version is unknown (0). */
    public ClusterView(String initialize, ClusterConfig config, Leader leader, ClusterStatus status,
                       List<Member> members, Failover failover, SyncState sync, TimelineHistory history,
                       Map<String, String> failsafe) {
        this(initialize, config, leader, status, members, failover, sync, history, failsafe, 0);
    }

    public static ClusterView empty() {
        return new ClusterView(null, null, null, ClusterStatus.EMPTY, List.of(), null, null, null, null);
    }

    public boolean isUnlocked() { return leader == null; }
    public boolean isInitialized() { return initialize != null && !initialize.isEmpty(); }

    public Optional<Member> member(String name) {
        return members.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    public boolean isLeader(String name) { return leader != null && leader.name().equals(name); }

    /** Cluster timeline: last history timeline + 1. */
    public int timeline() { return history.clusterTimeline(); }

    /** Dynamic config, or an empty one. */
    public ClusterConfig configOrEmpty() { return config == null ? ClusterConfig.empty() : config; }

    public boolean isPaused() { return config != null && config.isPaused(); }
}
