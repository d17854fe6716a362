package dev.regent.core.ha;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import java.util.Objects;

/**
 * What one HA cycle must observe beyond the DCS snapshot and the local PostgreSQL: the decider's input contract
 * ({@link HaDecider}, "Input contract"). The shell reads the DCS and postgres, asks this plan, and observes exactly
 * what it says. Pure.
 *
 * <p>{@link HaInput#peers()} must hold the {@code GET /patroni} answers of the other members whenever the cluster is
 * unlocked (the leader race compares positions; not for the candidate a switchover names, see
 * {@link #namedCandidateTakesTheLock}), a {@code failover} key exists (a manual failover checks its candidates), or this node holds the lock while its postgres is not a running primary (start timeouts need
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
        if (!probe || namedCandidateTakesTheLock(cluster, local, myName)) return LOCAL_ONLY;
        // Peers read their positions live when asked, so ours, taken before the probe (up to 2 s older), could be
        // behind WAL that reached every replica meanwhile (the old primary's shutdown checkpoint) and lose a race
        // that equal positions and failover_priority should decide. Only a running postgres has a position to renew,
        // and only when someone was actually asked.
        boolean someoneAsked = cluster.members().stream().anyMatch(m -> askable(m, myName));
        return new ObservationPlan(true, local.isRunning() && someoneAsked);
    }

    /**
     * The candidate a switchover or manual failover names, in an unlocked cluster, takes the lock without comparing
     * itself with anyone (Patroni's {@code manual_failover_process_no_leader}: "manual failover to me"; Regent's
     * {@link HealthCheck#manualFailoverNoLeader} alike), so asking the others would only delay the promotion by their
     * answers: the switchover's write gap. Not in the cases where the race still reads peers: paused (the paused
     * primary's timeline check), failsafe mode (no promotion beside a primary that still answers), quorum mode (the
     * candidate needs the votes), a scheduled switchover, a /config the snapshot lacks (the decider then uses the
     * local dynamic settings, which this plan cannot see), and a local postgres that is not a running replica.
     */
    static boolean namedCandidateTakesTheLock(ClusterView cluster, LocalPostgres local, String myName) {
        Failover f = cluster.failover();
        ClusterConfig config = cluster.config();
        return f != null && myName.equals(f.candidate()) && f.scheduledAt() == null && cluster.isUnlocked()
                && config != null && !config.isPaused() && !FailsafeRule.enabled(config)
                && !"quorum".equalsIgnoreCase(String.valueOf(config.synchronousMode()))
                && local.isRunning() && Boolean.TRUE.equals(local.inRecovery())
                && !DivergenceRule.judgesRunningReplica(cluster, local, myName);
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
