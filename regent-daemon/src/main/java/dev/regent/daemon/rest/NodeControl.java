package dev.regent.daemon.rest;

import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.dcs.DcsException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The writes and fresh reads that the REST API asks of the node; implemented by the HA loop. The REST layer validates
 * requests (body shape, Patroni's condition tables) before calling; implementations only act. Every method may be
 * called concurrently from several HTTP worker threads. A {@link DcsException} becomes a 503 (or 502 for config
 * writes) with the exception message.
 */
public interface NodeControl {

    /** A fresh DCS read for {@code /cluster}, {@code /history}, {@code /config} and the write endpoints. Blocks. */
    ClusterView readCluster() throws DcsException;

    /**
     * The table {@code PATCH/PUT /config} refuses unsupported settings by: {@link UnsupportedSettings#ALL} (tests give
     * a table of their own, e.g. with a dynamic ERROR row when {@code ALL} has none).
     */
    default List<UnsupportedSettings.Setting> unsupportedSettings() {
        return UnsupportedSettings.ALL;
    }

    /**
     * Write the merged dynamic config (JSON object text) with compare-and-set on {@code expectedVersion}.
     *
     * @return false when the version no longer matches (the API answers 409)
     */
    boolean patchConfig(String json, long expectedVersion) throws DcsException;

    /** Replace the dynamic config unconditionally. False = write failed (the API answers 502). */
    boolean putConfig(String json) throws DcsException;

    /**
     * Write a switchover/failover request into the {@code failover} key (encoded by the DCS codec, as Patroni
     * writes it).
     *
     * @param request the request; its version is ignored
     * @param offset  the offset {@code scheduled_at} is written in (the operator's), null = UTC
     * @param version CAS version, or null for an unconditional write
     * @return false when the CAS failed or the write was refused
     */
    boolean writeFailover(Failover request, ZoneOffset offset, Long version) throws DcsException;

    /**
     * Clear the {@code failover} key ({@code {}}, as Patroni) with CAS on {@code version}.
     *
     * @return false when the CAS failed or the write was refused
     */
    boolean clearFailover(long version) throws DcsException;

    /**
     * Block until the DCS shows a leader other than {@code previousLeader}, or no {@code failover} key, or
     * {@code maxWait} has passed, whichever comes first; return the last view read (fresh). Implementations should
     * wake on DCS watches rather than sleep a fixed period, so that a switchover is answered promptly.
     */
    ClusterView awaitLeaderChange(String previousLeader, Duration maxWait) throws DcsException, InterruptedException;

    /**
     * Ask members for {@code GET /patroni} (2 s timeout each, in parallel) for the switchover feasibility check.
     * Unreachable members are returned as {@link PeerStatus#unreachable(String)}.
     */
    List<PeerStatus> fetchPeerStatuses(List<Member> members);

    /**
     * Restart PostgreSQL now; blocks until the restart finished or failed. The REST layer has already checked the
     * request's filters against the published {@link NodeStatus}; the loop may check them again
     * ({@link RestartRequest#conditions}).
     */
    RestartResult requestRestart(RestartRequest request);

    /** Store a scheduled restart in the member key. False when another restart is already scheduled. */
    boolean scheduleRestart(RestartRequest request);

    /** Drop the scheduled restart. False when none was scheduled. */
    boolean cancelScheduledRestart();

    /** Re-read the configuration files and reload PostgreSQL (SIGHUP), asynchronously. */
    void requestReload();

    /**
     * Start a reinitialization (wipe and re-clone) in the background.
     *
     * @param force      cancel a running background action first
     * @param fromLeader take the base backup from the leader
     * @return null when started, else Patroni's reason ({@code Cluster has no leader, can not reinitialize},
     *         {@code I am the leader, can not reinitialize}, {@code <action> already in progress})
     */
    String requestReinitialize(boolean force, boolean fromLeader);

    /**
     * PostgreSQL's WAL positions and timeline read now, over {@code published} (the last cycle's details), for
     * {@code GET /patroni}: the leader race compares them, and a snapshot from before the old primary's shutdown
     * checkpoint arrived would make every replica think itself the healthiest. Bounded (about 2 s); returns
     * {@code published} itself when PostgreSQL could not be asked. Never touches the HA loop's connection.
     */
    default NodeStatus.PgDetails livePostgres(NodeStatus.PgDetails published) {
        return published;
    }

    /** {@code failsafe_mode} is on in the dynamic configuration in force (the cached one while the DCS is down). */
    default boolean failsafeModeEnabled() {
        return false;
    }

    /** The last {@code /failsafe} value read from or written to the DCS, or null when none is known. */
    default Map<String, String> failsafeTopology() {
        return null;
    }

    /**
     * A primary's {@code POST /failsafe} (Patroni's update_failsafe): refused with 500 {@code Running as a leader}
     * while this node runs as a primary; otherwise remembered (this node then treats that primary as the leader for
     * ttl) and answered 200 {@code Accepted} with this node's last known WAL position. Only called with failsafe
     * mode on.
     *
     * @param slots the request's {@code slots} (slot name to LSN; empty when absent or null), kept with the request:
     *              while the DCS is down they stand in for {@code /status.slots}
     */
    default FailsafeReply acceptFailsafe(String name, String connUrl, String apiUrl, Map<String, Long> slots) {
        return new FailsafeReply(502, "Bad Gateway", null);
    }

    /** This node's decision ledger, oldest first (Regent's {@code GET /decisions}); empty when none is kept. */
    default List<dev.regent.core.ledger.LedgerEntry> decisions() {
        return List.of();
    }

    /** Decisions recorded by this process, per kind ({@code regent_decisions_total}); empty when none is kept. */
    default java.util.Map<String, Long> decisionCounts() {
        return java.util.Map.of();
    }

    /** Run the next HA cycle now (after a config or failover write). Never blocks. */
    void wakeUp();

    /** Answer to {@code POST /failsafe}: status code, body, and the {@code lsn} header (null: none). */
    record FailsafeReply(int code, String message, Long lsn) {}

    /** Result of an immediate restart: {@code ok} maps to 200, else 503; {@code message} is the body. */
    record RestartResult(boolean ok, String message) {}
}
