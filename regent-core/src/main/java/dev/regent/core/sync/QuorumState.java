package dev.regent.core.sync;

import java.util.Set;

/**
 * The inputs of {@link QuorumResolver}: the two places synchronous replication is recorded, and what is wanted.
 *
 * @param leader       {@code /sync} leader
 * @param quorum       {@code /sync} quorum: promotion needs that many voters' votes besides the candidate's own
 * @param voters       {@code /sync} sync_standby: the voters of the leader race
 * @param numsync      confirmations a commit waits for, from {@code synchronous_standby_names} ({@code ANY numsync})
 * @param sync         the standbys listed in {@code synchronous_standby_names}
 * @param confirmed    how many listed standbys are known to hold every acknowledged commit ({@link SyncReadiness})
 * @param active       standbys eligible and streaming now ({@link SyncCandidates})
 * @param wanted       {@code synchronous_node_count}
 * @param leaderWanted this node, the primary (differs from {@code leader} right after a failover)
 */
public record QuorumState(String leader, int quorum, Set<String> voters, int numsync, Set<String> sync,
                          int confirmed, Set<String> active, int wanted, String leaderWanted) {
    public QuorumState {
        voters = Names.of(voters);
        sync = Names.of(sync);
        active = Names.of(active);
        numsync = Math.min(numsync, sync.size()); // ANY n of fewer than n names can never be satisfied
    }
}
