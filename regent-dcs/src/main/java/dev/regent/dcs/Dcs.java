package dev.regent.dcs;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * One node's view of its cluster in the DCS, in Patroni's key layout under {@code /<namespace>/<scope>/}:
 * {@code leader}, {@code members/<name>}, {@code config}, {@code initialize}, {@code status}, {@code history},
 * {@code failover}, {@code sync}, {@code failsafe}. Values are Patroni's exact JSON so that Patroni's tools read a
 * Regent cluster. Thread-safe. Every method throws {@link DcsException} when the store cannot be reached within
 * the retry timeout; {@code false} means a compare failed.
 */
public interface Dcs extends AutoCloseable {

    /** Member name of this node. */
    String name();

    /** Base path, e.g. {@code /service/batman/}. */
    String basePath();

    /** Read the whole cluster prefix into an immutable snapshot (garbage values are skipped with a warning). */
    ClusterView load() throws DcsException;

    /** Leader race: create {@code leader} = our name, bound to our session. */
    boolean attemptToAcquireLeader() throws DcsException;

    /**
     * Renew the lock: keep the session alive and make sure {@code leader} holds our name on our session; then
     * write {@code status} ({@code optime}, {@code slots}, {@code retain_slots}) when it changed. False = lost.
     */
    boolean updateLeader(long optime, Map<String, Long> slots) throws DcsException;

    /** As {@link #updateLeader(long, Map)}, also publishing {@code retain_slots} (omitted when empty). */
    default boolean updateLeader(long optime, Map<String, Long> slots, java.util.List<String> retainSlots)
            throws DcsException {
        return updateLeader(optime, slots);
    }

    /** Release the lock if we hold it, after writing the final {@code status.optime} (when > 0). */
    boolean deleteLeader(long lastOptime) throws DcsException;

    /** Write {@code members/<name>} bound to our session (skipped when unchanged and the session is the same). */
    void touchMember(MemberData data) throws DcsException;

    /** {@code create}: race for {@code initialize} with "" ; otherwise overwrite it with {@code sysid}. */
    boolean initialize(boolean create, String sysid) throws DcsException;

    /** Delete {@code initialize} (failed bootstrap). */
    void cancelInitialization() throws DcsException;

    /**
     * A failed bootstrap's clean-up: delete {@code initialize} only while it holds {@code ""} (the placeholder) or
     * {@code sysid} (this node's own, written before the failure; null: none), never another member's system id.
     *
     * @return false when the key held something else, or was absent
     */
    boolean cancelInitialization(String sysid) throws DcsException;

    /**
     * The end of a bootstrap: write {@code initialize = sysid} only over the {@code ""} placeholder or an absent key
     * (or when it already holds {@code sysid}), so that of two members that both bootstrapped (a placeholder was
     * cancelled under a live bootstrapper) only one system identifier is ever written.
     *
     * @return false when another system identifier is there
     */
    boolean completeInitialization(String sysid) throws DcsException;

    /**
     * Delete a bootstrap placeholder left behind: {@code initialize} only while its mod revision is {@code version}.
     *
     * @return false when it changed meanwhile (or is gone)
     */
    boolean cancelStaleInitialize(long version) throws DcsException;

    /** Write {@code config} (JSON object text) with CAS on {@code version}; version null = unconditional. */
    boolean setConfigValue(String json, Long version) throws DcsException;

    /**
     * Write a switchover/failover request into {@code failover}, encoded by {@link DcsJson#failoverToJson} (the only
     * encoder of that key), with CAS on {@code version}; null = unconditional. {@code scheduled_at} is written in
     * {@code offset} (the one the operator gave, as Patroni keeps it; null = UTC). {@code failover.version()} is
     * ignored: {@code version} is the CAS condition.
     *
     * @return false when the CAS failed
     */
    boolean setFailover(Failover failover, ZoneOffset offset, Long version) throws DcsException;

    /** {@link #setFailover(Failover, ZoneOffset, Long)} with {@code scheduled_at} in UTC. */
    default boolean setFailover(Failover failover, Long version) throws DcsException {
        return setFailover(failover, ZoneOffset.UTC, version);
    }

    /**
     * Clear the request: write {@code {}} to {@code failover} (Patroni clears it so, never deletes it) with CAS on
     * {@code version}; null = unconditional.
     *
     * @return false when the CAS failed
     */
    boolean clearFailover(Long version) throws DcsException;

    /** Overwrite {@code failsafe} ({@code {member: api_url}}, Patroni's JSON); null or empty deletes it. */
    void setFailsafeValue(java.util.Map<String, String> failsafe) throws DcsException;

    /** Write {@code sync} with CAS; null version = unconditional. */
    boolean setSyncStateValue(String json, Long version) throws DcsException;

    /**
     * Write {@code sync} with CAS on {@code version} (0: create when absent) and return the version the write
     * produced, so that a sequence of writes can chain; null when the CAS failed.
     */
    default Long writeSyncState(String json, long version) throws DcsException {
        if (!setSyncStateValue(json, version)) return null;
        var written = load().sync();
        return written == null ? null : written.version();
    }

    /** Delete {@code sync} with CAS; null version = unconditional. */
    boolean deleteSyncState(Long version) throws DcsException;

    /** Overwrite {@code history}. */
    void setHistoryValue(TimelineHistory history) throws DcsException;

    /**
     * Write {@code history} with CAS on {@code expectedVersion} (the mod revision it was read at, 0 when absent);
     * false when another writer changed it since.
     */
    boolean setHistoryValue(TimelineHistory history, long expectedVersion) throws DcsException;

    /** Delete every key of the cluster (patronictl remove). */
    void deleteCluster() throws DcsException;

    /** Apply new ttl/retry_timeout (from dynamic config). */
    void reconfigure(Duration ttl, Duration retryTimeout);

    /**
     * Sleep up to {@code timeout}, returning early (true) when a key of the cluster changes, so that replicas react
     * at once to a released or expired leader key.
     */
    boolean watch(Duration timeout) throws InterruptedException;

    /** Revoke our session (drops our member key and, if held, the leader key). */
    void closeSession();

    /** This node is shutting down ({@link KeyValueStore#stopping}). Nothing by default. */
    default void stopping() {}

    @Override
    void close();
}
