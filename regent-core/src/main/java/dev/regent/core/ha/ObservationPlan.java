package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.util.Objects;

/**
 * What one HA cycle must observe beyond the DCS snapshot and the local PostgreSQL: the decider's input contract
 * ({@link HaDecider}, "Input contract"). The shell reads the DCS and postgres, asks this plan, and observes exactly
 * what it says. Pure.
 *
 * <p>{@link HaInput#peers()} must hold the {@code GET /patroni} answers of the other members whenever the cluster is
 * unlocked (the leader race compares positions), a {@code failover} key exists (a manual failover checks its
 * candidates), or this node holds the lock while its postgres is not a running primary (start timeouts need
 * Patroni's {@code is_failover_possible}), or this node runs a replica that does not stream the leader's timeline
 * ({@link DivergenceRule} judges it only against a leader that answers as a running primary). No peer is asked
 * without a DCS snapshot or with an empty data directory (the bootstrap rules never compare). Members without an
 * {@code api_url} cannot be asked.
 *
 * @param probePeers               ask the other members' REST APIs ({@code GET /patroni}) this cycle
 * @param reobserveLocalAfterProbe read the local postgres again once the peers answered, and keep the result of
 *                                 {@link #afterProbe}
 */
public record ObservationPlan(boolean probePeers, boolean reobserveLocalAfterProbe) {
    private static final ObservationPlan LOCAL_ONLY = new ObservationPlan(false, false);

    /**
     * The plan for a cycle that read {@code cluster} (null when the DCS was unreadable) and {@code local}.
     */
    public static ObservationPlan forCycle(ClusterView cluster, LocalPostgres local, String myName) {
        Objects.requireNonNull(local, "local");
        boolean probe = cluster != null && !local.dataDirEmpty() && (cluster.isUnlocked() || cluster.failover() != null
                || (cluster.isLeader(myName) && !local.isPrimary())
                || DivergenceRule.judgesRunningReplica(cluster, local, myName));
        if (!probe) return LOCAL_ONLY;
        // Peers read their positions live when asked, so ours, taken before the probe (up to 2 s older), could be
        // behind WAL that reached every replica meanwhile (the old primary's shutdown checkpoint) and lose a race
        // that equal positions and failover_priority should decide. Only a running postgres has a position to renew,
        // and only when someone was actually asked.
        boolean someoneAsked = cluster.members().stream().anyMatch(m -> askable(m, myName));
        return new ObservationPlan(true, local.isRunning() && someoneAsked);
    }

    /**
     * Which local observation the decider gets after the probe: the new one, unless postgres changed state in between
     * (stopped, started, promoted or demoted), in which case the first observation stands and the next cycle sees the
     * change.
     */
    public static LocalPostgres afterProbe(LocalPostgres before, LocalPostgres again) {
        return again.isRunning() && Objects.equals(again.inRecovery(), before.inRecovery()) ? again : before;
    }

    /** A probe asks every other member that publishes an {@code api_url}. */
    private static boolean askable(Member m, String myName) {
        return !m.name().equals(myName) && m.apiUrl() != null;
    }
}
