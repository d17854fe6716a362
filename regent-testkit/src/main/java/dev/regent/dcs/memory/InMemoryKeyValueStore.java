package dev.regent.dcs.memory;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One node's {@link KeyValueStore} on a shared {@link InMemoryKvServer}, with etcd-like semantics: one session
 * (lease) per store, created lazily by the first ephemeral write and re-created when an ephemeral write or
 * {@link #keepAlive} finds it expired. When the node is partitioned every call throws {@link DcsException} and
 * {@link #awaitChange} sleeps out its timeout. Thread-safe; only {@link #awaitChange} blocks.
 */
public final class InMemoryKeyValueStore implements KeyValueStore {
    private final InMemoryKvServer server;
    private final String node;
    private Duration ttl;
    private long session;  // 0 = none
    private long lastRevision;
    private boolean closed;

    InMemoryKeyValueStore(InMemoryKvServer server, String node, Duration ttl) {
        this.server = Objects.requireNonNull(server, "server");
        this.node = Objects.requireNonNull(node, "node");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    public String node() {
        return node;
    }

    private void check() throws DcsException {
        synchronized (this) {
            if (closed) throw new DcsException("in-memory store of " + node + " is closed");
        }
        server.checkReachable(node);
    }

    /** The live session to bind an ephemeral key to, granting a new one when ours expired (caller holds server). */
    private long leaseFor(boolean ephemeral) {
        if (!ephemeral) return 0;
        synchronized (this) {
            if (session == 0 || !server.isAlive(session)) session = server.grant(ttl);
            return session;
        }
    }

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        check();
        synchronized (server) {
            List<KeyValue> kvs = server.range(prefix);
            synchronized (this) {
                lastRevision = server.revision();
            }
            return kvs;
        }
    }

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        check();
        synchronized (server) {
            if (server.valueOf(key) != null) return false;
            server.put(key, value, leaseFor(ephemeral));
            if (server.takeLostCreateAnswer(key)) {
                throw new DcsException("in-memory DCS: the answer to the create of " + key + " was lost (applied)");
            }
            return true;
        }
    }

    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        check();
        synchronized (server) {
            if (server.modRevisionOf(key) != expectedModRevision) return false;
            server.put(key, value, leaseFor(ephemeral));
            return true;
        }
    }

    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        check();
        synchronized (server) {
            String current = server.valueOf(key);
            if (current != null && !current.equals(expectedValue)) return false;
            server.put(key, newValue, leaseFor(ephemeral));
            return true;
        }
    }

    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        check();
        synchronized (server) {
            server.put(key, value, leaseFor(ephemeral));
        }
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        check();
        synchronized (server) {
            if (!Objects.equals(server.valueOf(key), expectedValue)) return false;
            server.remove(key);
            return true;
        }
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        check();
        synchronized (server) {
            long current = server.modRevisionOf(key);
            if (current == 0 || current != expectedModRevision) return false;
            server.remove(key);
            return true;
        }
    }

    @Override
    public void delete(String key) throws DcsException {
        check();
        server.remove(key);
    }

    @Override
    public void deletePrefix(String prefix) throws DcsException {
        check();
        server.removePrefix(prefix);
    }

    @Override
    public String keepAlive() throws DcsException {
        check();
        synchronized (server) {
            synchronized (this) {
                if (session == 0 || !server.refresh(session)) session = server.grant(ttl);
                return Long.toString(session);
            }
        }
    }

    @Override
    public synchronized String sessionId() {
        return session == 0 ? null : Long.toString(session);
    }

    @Override
    public synchronized void setTtl(Duration ttl) {
        if (ttl.equals(this.ttl)) return;
        this.ttl = ttl;
        session = 0;  // abandoned, not revoked: it expires on its own
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        // nothing to retry in memory
    }

    @Override
    public void closeSession() throws DcsException {
        check();
        long id;
        synchronized (this) {
            id = session;
            session = 0;
        }
        if (id != 0) server.revoke(id);
    }

    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        return server.awaitChange(node, prefix, afterRevision, timeout);
    }

    @Override
    public synchronized long lastRevision() {
        return lastRevision;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
