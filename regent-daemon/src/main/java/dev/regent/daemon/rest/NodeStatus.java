package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the REST API answers from without touching PostgreSQL or the DCS: an immutable snapshot that the HA loop
 * publishes after every cycle and on every state change. The server renders its JSON once per published instance.
 *
 * <p>Monotonic deadlines ({@code leaderLockValidUntil}, {@code clusterValidUntil}, {@code nextCycleAt}) are in the
 * millisecond scale of the {@link java.util.function.LongSupplier} given to {@link RestApiServer}, so that a lock
 * that runs out between two cycles makes {@code /primary} answer 503 at once.
 *
 * @param name                 member name ({@code patroni.name})
 * @param scope                cluster name ({@code patroni.scope})
 * @param version              Patroni-compatible version string ({@code patroni.version}, e.g. {@code 4.1.4})
 * @param state                PG state string: {@code running}, {@code starting}, {@code stopped}, {@code crashed},
 *                             {@code creating replica}, {@code unknown}, ...
 * @param role                 {@code primary} / {@code replica} from {@code pg_is_in_recovery()}; in a standby cluster
 *                             {@code standby_leader}; when PG is down the internal role ({@code demoted}, ...)
 * @param pg                   details read from a running PostgreSQL, or null when it could not be queried
 * @param paused               maintenance mode (dynamic config {@code pause})
 * @param failsafeActive       failsafe mode currently keeps this primary up without the DCS
 * @param standbyCluster       the cluster is a standby cluster
 * @param dcsLastSeen          epoch seconds of the last successful DCS read, or null
 * @param tags                 effective member tags
 * @param systemIdentifier     database system identifier, or null
 * @param pendingRestartReason {@code {guc: {old_value, new_value}}}; empty when no restart is pending
 * @param scheduledRestart     scheduled restart ({@code schedule} ISO string plus filters), or null
 * @param watchdogFailed       a required watchdog is unhealthy
 * @param holdsLeaderLock      this node won or renewed the leader lock in its last cycle
 * @param leaderLockValidUntil monotonic ms until which the lock is valid (last renewal + ttl)
 * @param cluster              the last DCS view, or null when none was ever read
 * @param clusterValidUntil    monotonic ms until which {@code cluster} counts as fresh (Patroni's cached cluster)
 * @param nextCycleAt          monotonic ms of the next scheduled HA cycle (for {@code /liveness})
 * @param ttl                  effective {@code ttl} in seconds
 * @param loopWait             effective {@code loop_wait} in seconds
 * @param maximumLagOnFailover effective {@code maximum_lag_on_failover} in bytes
 */
public record NodeStatus(String name, String scope, String version, String state, String role, PgDetails pg,
                         boolean paused, boolean failsafeActive, boolean standbyCluster, Long dcsLastSeen,
                         Map<String, Object> tags, String systemIdentifier, Map<String, Object> pendingRestartReason,
                         Map<String, Object> scheduledRestart, boolean watchdogFailed, boolean holdsLeaderLock,
                         long leaderLockValidUntil, ClusterView cluster, long clusterValidUntil, long nextCycleAt,
                         int ttl, int loopWait, long maximumLagOnFailover) {

    public NodeStatus {
        tags = copy(tags);
        pendingRestartReason = copy(pendingRestartReason);
        scheduledRestart = scheduledRestart == null ? null : copy(scheduledRestart);
        state = state == null ? "stopped" : state;
    }

    private static Map<String, Object> copy(Map<String, Object> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /**
     * What a SQL round trip to the running PostgreSQL returned.
     *
     * @param postmasterStartTime {@code pg_postmaster_start_time()}
     * @param serverVersion       e.g. 150004
     * @param inRecovery          {@code pg_is_in_recovery()}
     * @param location            primary: {@code pg_current_wal_lsn()} in bytes
     * @param receivedLocation    replica: received (wal receiver written) LSN, or null
     * @param replayedLocation    replica: replayed LSN, or null
     * @param replayedTimestamp   replica: {@code pg_last_xact_replay_timestamp()}, or null
     * @param replayPaused        replica: WAL replay paused
     * @param latestEndLsn        replica: wal receiver {@code latest_end_lsn} (internal, never rendered), or null
     * @param timeline            current timeline, 0 unknown
     * @param replicationState    replica: {@code streaming} / {@code in archive recovery}, or null
     * @param replication         walsenders of this node
     */
    public record PgDetails(Instant postmasterStartTime, int serverVersion, boolean inRecovery, long location,
                            Long receivedLocation, Long replayedLocation, Instant replayedTimestamp,
                            boolean replayPaused, Long latestEndLsn, int timeline, String replicationState,
                            List<WalSender> replication) {
        public PgDetails {
            replication = replication == null ? List.of() : List.copyOf(replication);
        }
    }

    /** One row of {@code pg_stat_replication} as Patroni publishes it. */
    public record WalSender(String usename, String applicationName, String clientAddr, String state,
                            String syncState, int syncPriority) {}

    /** This snapshot with other PostgreSQL details (the WAL positions read at request time). */
    public NodeStatus withPg(PgDetails details) {
        return new NodeStatus(name, scope, version, state, role, details, paused, failsafeActive, standbyCluster,
                dcsLastSeen, tags, systemIdentifier, pendingRestartReason, scheduledRestart, watchdogFailed,
                holdsLeaderLock, leaderLockValidUntil, cluster, clusterValidUntil, nextCycleAt, ttl, loopWait,
                maximumLagOnFailover);
    }

    /** PostgreSQL accepts connections and answered the status query. */
    public boolean isRunning() {
        return "running".equals(state);
    }

    /** Lock held and not yet expired at monotonic time {@code nowMillis}. */
    public boolean leaderLockValid(long nowMillis) {
        return holdsLeaderLock && nowMillis < leaderLockValidUntil;
    }

    /** The DCS view at {@code nowMillis}, or null when there is none or it is stale. */
    public ClusterView freshCluster(long nowMillis) {
        return cluster != null && nowMillis < clusterValidUntil ? cluster : null;
    }

    /** A builder with Patroni's defaults (ttl 30, loop_wait 10, maximum_lag_on_failover 1 MiB). */
    public static NodeStatusBuilder builder(String scope, String name) {
        return new NodeStatusBuilder(scope, name);
    }
}
