package dev.regent.dcs;

import java.time.Duration;
import java.util.List;

/**
 * The small store interface every DCS backend implements; {@link PatroniDcs} maps Patroni's key layout onto it.
 *
 * <p>Semantics every backend must honour (checked by the DCS contract suite in regent-testkit):
 * <ul>
 *   <li>One <em>session</em> per store instance (an etcd lease, a ZooKeeper session, ...) with a TTL. Keys written
 *       with {@code ephemeral = true} are bound to it and vanish when it expires or is {@link #closeSession closed}.
 *       The session is created lazily by the first ephemeral write and kept alive by {@link #keepAlive()}.</li>
 *   <li>All writes are atomic; {@code false} means a compare failed (somebody else won), never an I/O error.</li>
 *   <li>I/O errors and timeouts are retried within the retry timeout, then reported as {@link DcsException}.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface KeyValueStore extends AutoCloseable {

    /** Linearizable read of every key under {@code prefix}, sorted by key. */
    List<KeyValue> getPrefix(String prefix) throws DcsException;

    /** Create {@code key} only if it does not exist. */
    boolean create(String key, String value, boolean ephemeral) throws DcsException;

    /** Write {@code key} only if its mod revision equals {@code expectedModRevision}. */
    boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException;

    /**
     * Write {@code key} if it currently holds {@code expectedValue}, or create it if absent (Patroni's leader
     * renewal: the lock survives a lease change). Fails when another value is there.
     */
    boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException;

    /** Unconditional write. */
    void put(String key, String value, boolean ephemeral) throws DcsException;

    /** Delete {@code key} only if it holds {@code expectedValue}. */
    boolean deleteIfValue(String key, String expectedValue) throws DcsException;

    /** Delete {@code key} only if its mod revision equals {@code expectedModRevision}. */
    boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException;

    /**
     * Unconditional delete of one key (no-op when absent). The default reads the key and deletes it by revision;
     * backends override it with a single request.
     */
    default void delete(String key) throws DcsException {
        for (KeyValue kv : getPrefix(key)) {
            if (kv.key().equals(key)) deleteIfModRevision(key, kv.modRevision());
        }
    }

    /** Delete every key under {@code prefix}. */
    void deletePrefix(String prefix) throws DcsException;

    /**
     * Refresh the session so that ephemeral keys live another TTL. Creates a new session when the old one expired
     * (its keys are gone then; callers rewrite them). Returns the session id.
     */
    String keepAlive() throws DcsException;

    /** The current session id, or null when there is none. */
    String sessionId();

    /**
     * Change the session TTL; applies to the next session. When it differs, the current session is abandoned, not
     * revoked (as Patroni does), so the leader key survives until the next renewal rebinds it to a new session.
     */
    void setTtl(Duration ttl);

    /** Change the retry budget of a single operation. */
    void setRetryTimeout(Duration retryTimeout);

    /** Revoke the session: every ephemeral key of ours disappears now. */
    void closeSession() throws DcsException;

    /**
     * This node is shutting down: from now on a call may give up before its retry budget when the store knows it
     * cannot complete (the embedded Raft store: most peers of the group have stopped). Nothing by default.
     */
    default void stopping() {}

    /**
     * Block until some key under {@code prefix} changes after {@code afterRevision}, or {@code timeout} passes.
     * Returns true on a change. Used to wake the HA loop early (e.g. when the leader key goes away).
     */
    boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException;

    /** Highest revision seen by the last read (etcd header revision), for {@link #awaitChange}. */
    long lastRevision();

    @Override
    void close();
}
