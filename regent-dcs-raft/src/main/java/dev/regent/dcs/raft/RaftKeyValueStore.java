package dev.regent.dcs.raft;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * A {@link KeyValueStore} on the embedded Raft DCS: one node's session, talking to the group through a Ratis client.
 * Writes are replicated commands (applied in log order, stamped with the leader's clock); reads are linearizable
 * (Ratis read index); {@link #awaitChange} waits on the revisions applied by the local peer. A call that does not
 * complete within the retry timeout throws {@link DcsException} (its effect may still apply later, as with etcd).
 * Thread-safe; every call blocks on the network except {@link #sessionId}, {@link #lastRevision} and setters.
 */
public final class RaftKeyValueStore implements KeyValueStore {
    private final RaftKvServer local;
    private final boolean ownsServer;
    private final RaftClient client;
    private Duration ttl;
    private Duration retryTimeout;
    private long session;  // 0 = none
    private long lastRevision;

    /** A store on {@code local}'s group; {@code ownsServer} makes {@link #close} stop the peer too. */
    public RaftKeyValueStore(RaftKvServer local, boolean ownsServer, Duration ttl, Duration retryTimeout) {
        this.local = Objects.requireNonNull(local, "local");
        this.ownsServer = ownsServer;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.retryTimeout = Objects.requireNonNull(retryTimeout, "retryTimeout");
        this.client = local.newClient();
    }

    /**
     * Starts this node's peer from Patroni's {@code raft:} section ({@code self_addr}, {@code partner_addrs} as a
     * list or comma-separated string, {@code data_dir}) and returns a store that owns it. {@code bind_addr} and
     * {@code password} are not supported yet: the peer binds all interfaces and peers do not authenticate.
     */
    public static RaftKeyValueStore fromConfig(Map<String, Object> raft, Duration ttl, Duration retryTimeout) {
        Object self = raft.get("self_addr");
        if (self == null) throw new IllegalArgumentException("raft.self_addr is required");
        Object dir = raft.get("data_dir");
        if (dir == null) throw new IllegalArgumentException("raft.data_dir is required");
        RaftKvServer server = RaftKvServer.start(self.toString(), partners(raft.get("partner_addrs")),
                Path.of(dir.toString()));
        return new RaftKeyValueStore(server, true, ttl, retryTimeout);
    }

    static List<String> partners(Object value) {
        if (value == null) return List.of();
        if (value instanceof List<?> list) return list.stream().map(Object::toString).map(String::trim).toList();
        return java.util.Arrays.stream(value.toString().split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    private Result submit(Command c) throws DcsException {
        Message reply = await(client.async().send(Codec.message(c)), c.op());
        Result r = Codec.read(reply.getContent(), Result.class);
        synchronized (this) {
            lastRevision = Math.max(lastRevision, r.revision());
            if (c.ttl() > 0 && r.ok() && r.session() != 0) session = r.session();
        }
        return r;
    }

    private Message await(CompletableFuture<RaftClientReply> future, String what) throws DcsException {
        Duration budget;
        synchronized (this) {
            budget = retryTimeout;
        }
        try {
            RaftClientReply reply = future.get(budget.toMillis(), TimeUnit.MILLISECONDS);
            if (!reply.isSuccess()) throw new DcsException("raft DCS " + what + " failed: " + reply.getException());
            return reply.getMessage();
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new DcsException("raft DCS " + what + " timed out after " + budget);
        } catch (ExecutionException e) {
            throw new DcsException("raft DCS " + what + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("raft DCS " + what + " interrupted");
        }
    }

    private synchronized Command cmd(String op, String key, String value, String expected, long rev, boolean eph) {
        return new Command(op, key, value, expected, rev, eph ? session : 0, eph ? ttl.toMillis() : 0, 0);
    }

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        Message reply = await(client.async().sendReadOnly(Codec.message(new KvStateMachine.Query(prefix))), "read");
        KvStateMachine.QueryResult r = Codec.read(reply.getContent(), KvStateMachine.QueryResult.class);
        synchronized (this) {
            lastRevision = Math.max(lastRevision, r.revision());
        }
        return r.kvs();
    }

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        return submit(cmd("create", key, value, null, 0, ephemeral)).ok();
    }

    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        return submit(cmd("cas", key, value, null, expectedModRevision, ephemeral)).ok();
    }

    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        return submit(cmd("pive", key, newValue, expectedValue, 0, ephemeral)).ok();
    }

    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        submit(cmd("put", key, value, null, 0, ephemeral));
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        return submit(cmd("delIfValue", key, null, expectedValue, 0, false)).ok();
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        return submit(cmd("delIfRev", key, null, null, expectedModRevision, false)).ok();
    }

    @Override
    public void delete(String key) throws DcsException {
        submit(cmd("del", key, null, null, 0, false));
    }

    @Override
    public void deletePrefix(String prefix) throws DcsException {
        submit(cmd("delPrefix", prefix, null, null, 0, false));
    }

    @Override
    public String keepAlive() throws DcsException {
        Result r = submit(cmd("keepAlive", null, null, null, 0, true));
        return Long.toString(r.session());
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
    public synchronized void setRetryTimeout(Duration retryTimeout) {
        this.retryTimeout = retryTimeout;
    }

    @Override
    public void closeSession() throws DcsException {
        long id;
        synchronized (this) {
            id = session;
            session = 0;
        }
        if (id != 0) submit(new Command("revoke", null, null, null, 0, id, 0, 0));
    }

    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        return local.stateMachine().awaitChange(prefix, afterRevision, timeout);
    }

    @Override
    public synchronized long lastRevision() {
        return lastRevision;
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException ignored) {
            // closing a client only releases its channels
        }
        if (ownsServer) local.close();
    }
}
