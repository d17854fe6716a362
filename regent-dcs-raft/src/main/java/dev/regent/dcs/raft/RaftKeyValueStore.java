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
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * A {@link KeyValueStore} on the embedded Raft DCS: one node's session, talking to the group through a Ratis client.
 * Writes are replicated commands (applied in log order, stamped with the Raft leader's clock: time enters the
 * replicated state only that way, see {@link KvState}); reads are linearizable (Ratis read index, so a peer cut off
 * from the majority fails instead of answering stale data). A call that does not complete within the retry timeout
 * throws {@link DcsException} (its effect may still apply later, as with etcd).
 *
 * <p>Two modes. A store on a local peer ({@link #fromConfig} with {@code self_addr}, or the public constructor) waits
 * in {@link #awaitChange} on the revisions applied by that peer. A client-only store ({@link #client}, or
 * {@link #fromConfig} without {@code self_addr}, as Patroni/patronictl treat such a raft section) runs no peer and
 * does not vote; its {@link #awaitChange} polls the group with linearizable reads every {@value #POLL_MS} ms.
 *
 * <p>Security: with a password the client side of every connection is mutual TLS with a password-bound ephemeral
 * certificate, exactly as between peers (see {@link RaftKvServer}); without one it is plaintext and unauthenticated.
 *
 * <p>Thread-safe; every call blocks on the network except {@link #sessionId}, {@link #lastRevision} and setters.
 */
public final class RaftKeyValueStore implements KeyValueStore {
    static final long POLL_MS = 250;

    private final RaftKvServer local;  // null: client-only
    private final boolean ownsServer;
    private final RaftClient client;
    private Duration ttl;
    private Duration retryTimeout;
    private long session;  // 0 = none
    private long lastRevision;

    /** A store on {@code local}'s group; {@code ownsServer} makes {@link #close} stop the peer too. */
    public RaftKeyValueStore(RaftKvServer local, boolean ownsServer, Duration ttl, Duration retryTimeout) {
        this(Objects.requireNonNull(local, "local"), ownsServer, local.newClient(), ttl, retryTimeout);
    }

    RaftKeyValueStore(RaftKvServer local, boolean ownsServer, RaftClient client, Duration ttl,
                      Duration retryTimeout) {
        this.local = local;
        this.ownsServer = ownsServer;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.retryTimeout = Objects.requireNonNull(retryTimeout, "retryTimeout");
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * A client-only store of the group made of {@code partnerAddrs} (host:port each): runs no peer, does not vote.
     *
     * @param password the group's raft password, null for a plaintext group
     * @throws IllegalArgumentException when {@code partnerAddrs} is empty or an address is not host:port
     */
    public static RaftKeyValueStore client(List<String> partnerAddrs, String password, Duration ttl,
                                           Duration retryTimeout) {
        List<String> partners = RaftAddresses.partners(partnerAddrs);
        if (partners.isEmpty()) throw new IllegalArgumentException("raft.partner_addrs must name at least one peer");
        RaftClient c = RaftClient.newBuilder().setProperties(new RaftProperties())
                .setParameters(PeerTls.of(password).parameters()).setRaftGroup(RaftAddresses.group(partners)).build();
        return new RaftKeyValueStore(null, false, c, ttl, retryTimeout);
    }

    /**
     * A store from Patroni's {@code raft:} section. With {@code self_addr}: starts this node's voting peer
     * ({@code self_addr}, {@code bind_addr} (default self_addr), {@code partner_addrs} as a list or comma-separated
     * string, {@code data_dir} (required), {@code password}) and returns a store that owns it. Without
     * {@code self_addr}: a client-only store of {@code partner_addrs} (see {@link #client}).
     *
     * @throws IllegalArgumentException naming the {@code raft.<key>} that is missing or malformed
     */
    public static RaftKeyValueStore fromConfig(Map<String, Object> raft, Duration ttl, Duration retryTimeout) {
        String password = string(raft, "password");
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("raft.password must not be empty (omit it to run without one)");
        }
        List<String> partners = RaftAddresses.partners(raft.get("partner_addrs"));
        String self = string(raft, "self_addr");
        if (self == null) {
            if (partners.isEmpty()) {
                throw new IllegalArgumentException("raft.partner_addrs is required without raft.self_addr"
                        + " (client-only mode); raft.self_addr is required to run a voting peer");
            }
            return client(partners, password, ttl, retryTimeout);
        }
        String dir = string(raft, "data_dir");
        if (dir == null || dir.isEmpty()) throw new IllegalArgumentException("raft.data_dir is required");
        RaftKvServer server = RaftKvServer.start(self, string(raft, "bind_addr"), partners, Path.of(dir), password);
        return new RaftKeyValueStore(server, true, ttl, retryTimeout);
    }

    private static String string(Map<String, Object> raft, String key) {
        Object v = raft.get(key);
        if (v == null) return null;
        if (v instanceof Map || v instanceof List) {
            throw new IllegalArgumentException("raft." + key + " must be a string, got " + v);
        }
        return v.toString().trim();
    }

    static List<String> partners(Object value) {
        return RaftAddresses.partners(value);
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
        Message reply = await(client.async().sendReadOnly(
                Codec.message(new KvStateMachine.Query(prefix, null))), "read");
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
        if (local != null) return local.stateMachine().awaitChange(prefix, afterRevision, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (changedSince(prefix, afterRevision)) return true;
            } catch (DcsException e) {
                // the DCS is unreachable right now: keep polling until the timeout, as a watch would keep waiting
            }
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) return false;
            Thread.sleep(Math.min(POLL_MS, remainingMs));
        }
    }

    private boolean changedSince(String prefix, long afterRevision) throws DcsException {
        Message reply = await(client.async().sendReadOnly(
                Codec.message(new KvStateMachine.Query(prefix, afterRevision))), "watch poll");
        return Codec.read(reply.getContent(), KvStateMachine.QueryResult.class).changed();
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
