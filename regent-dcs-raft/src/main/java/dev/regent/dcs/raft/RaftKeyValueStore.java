package dev.regent.dcs.raft;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Deadline;
import dev.regent.time.RetryPolicy;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.ReadException;
import org.apache.ratis.protocol.exceptions.ReadIndexException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;

/**
 * A {@link KeyValueStore} on the embedded Raft DCS: one node's session, talking to the group through a Ratis client.
 * Writes are replicated commands (applied in log order, stamped with the Raft leader's clock: time enters the
 * replicated state only that way, see {@link KvState}); reads are linearizable (Ratis read index, so a peer cut off
 * from the majority fails instead of answering stale data). A call that does not complete within the retry timeout
 * throws {@link DcsException}; as with etcd its effect may still apply, but Ratis stops retrying it at that budget
 * (see {@link RaftClients}), so a timed-out write cannot land long after the caller gave up.
 *
 * <p>Two modes. A store on a local peer ({@link #fromConfig} with {@code self_addr}, or the public constructor) waits
 * in {@link #awaitChange} on the revisions applied by that peer. A client-only store ({@link #client}, or
 * {@link #fromConfig} without {@code self_addr}, as Patroni/patronictl treat such a raft section) runs no peer and
 * does not vote; its {@link #awaitChange} polls the group with linearizable reads every {@value #POLL_MS} ms.
 *
 * <p>Security: with a password the client side of every connection is mutual TLS with a password-bound ephemeral
 * certificate, exactly as between peers (see {@link RaftKvServer}); with a client password (Regent's
 * {@code raft.client_password}) that certificate is a client's, good only on the peers' client ports, which serve no
 * admin call (see {@link RaftCredentials}); without any password it is plaintext and unauthenticated.
 *
 * <p>Thread-safe; every call blocks on the network except {@link #sessionId}, {@link #lastRevision} and setters.
 */
public final class RaftKeyValueStore implements KeyValueStore {
    static final long POLL_MS = 250;
    private static final Executor CLOSER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raft-dcs-client-closer");
        t.setDaemon(true);
        return t;
    });

    /** Makes the store's Ratis clients: requests give up after {@code budget}, the first goes to {@code first}. */
    interface ClientFactory {
        RaftClient create(Duration budget, RaftPeerId first);
    }

    private final RaftKvServer local;  // null: client-only
    private final boolean ownsServer;
    private final ClientFactory clients;
    private final List<RaftPeerId> peers;  // the group in configured order: where a refused read goes next
    private final Ticker ticker;
    private final Sleeper sleeper;
    private RaftClient client;
    private Duration ttl;
    private Duration retryTimeout;
    private long session;  // 0 = none
    private long lastRevision;

    /** A store on {@code local}'s group; {@code ownsServer} makes {@link #close} stop the peer too. */
    public RaftKeyValueStore(RaftKvServer local, boolean ownsServer, Duration ttl, Duration retryTimeout) {
        this(Objects.requireNonNull(local, "local"), ownsServer, local::newClient, ttl, retryTimeout);
    }

    /** A store on {@code local}'s group whose clients come from {@code clients} (tests cut them off). */
    RaftKeyValueStore(RaftKvServer local, boolean ownsServer, ClientFactory clients, Duration ttl,
                      Duration retryTimeout) {
        this(local, ownsServer, clients, local.peerIds(), ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As the public constructor, with retries and client-only polling on {@code ticker} and {@code sleeper}. */
    public RaftKeyValueStore(RaftKvServer local, boolean ownsServer, Duration ttl, Duration retryTimeout,
                             Ticker ticker, Sleeper sleeper) {
        this(Objects.requireNonNull(local, "local"), ownsServer, local::newClient, local.peerIds(), ttl, retryTimeout,
                ticker, sleeper);
    }

    /** {@code peers}: the group in configured order; the first client starts at the first of them. */
    private RaftKeyValueStore(RaftKvServer local, boolean ownsServer, ClientFactory clients, List<RaftPeerId> peers,
                              Duration ttl, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.local = local;
        this.ownsServer = ownsServer;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.retryTimeout = Objects.requireNonNull(retryTimeout, "retryTimeout");
        this.clients = clients;
        this.peers = List.copyOf(peers);
        this.client = clients.create(retryTimeout, this.peers.get(0));
    }

    /**
     * A client-only store of the group made of {@code partnerAddrs} (host:port each): runs no peer, does not vote.
     *
     * @param password the group's raft password, null for a plaintext group
     * @throws IllegalArgumentException when {@code partnerAddrs} is empty or an address is not host:port
     */
    public static RaftKeyValueStore client(List<String> partnerAddrs, String password, Duration ttl,
                                           Duration retryTimeout) {
        return client(partnerAddrs, password, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As above, with retries and polling on {@code ticker} and {@code sleeper}. */
    public static RaftKeyValueStore client(List<String> partnerAddrs, String password, Duration ttl,
                                           Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        return client(partnerAddrs, RaftCredentials.peers(password == null || password.isEmpty() ? List.of()
                : List.of(password)), ttl, retryTimeout, ticker, sleeper);
    }

    /**
     * A client-only store of {@code partnerAddrs} with {@code credentials}: with a client password it presents that on
     * the peers' client ports; otherwise the peer password on the peer ports (a client config of a group whose
     * clients have no credential of their own).
     */
    static RaftKeyValueStore client(List<String> partnerAddrs, RaftCredentials credentials, Duration ttl,
                                    Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        List<String> partners = RaftAddresses.partners(partnerAddrs);
        if (partners.isEmpty()) throw new IllegalArgumentException("raft.partner_addrs must name at least one peer");
        PeerTls tls = credentials.certificates() != null ? PeerTls.of(credentials.certificates().client())
                : credentials.separateClients()
                        ? PeerTls.of(credentials.clientPasswords(), PasswordCertificate.Scheme.CLIENT)
                        : PeerTls.of(credentials.passwords());
        RaftGroup group = RaftAddresses.group(partners, credentials.clientPortOffset());
        return new RaftKeyValueStore(null, false, (budget, first) -> RaftClients.builder(group, tls, budget, first)
                .build(), RaftAddresses.peerIds(partners), ttl, retryTimeout, ticker, sleeper);
    }

    /**
     * A store from Patroni's {@code raft:} section. With {@code self_addr}: starts this node's voting peer
     * ({@code self_addr}, {@code bind_addr} (default self_addr), {@code partner_addrs} as a list or comma-separated
     * string, {@code data_dir} (required), {@code password}, and Regent's {@code client_password} and
     * {@code client_port_offset}, see {@link RaftCredentials}) and returns a store that owns it. Without
     * {@code self_addr}: a client-only store of {@code partner_addrs} (see {@link #client}), which presents
     * {@code client_password} when set, else {@code password}.
     *
     * @throws IllegalArgumentException naming the {@code raft.<key>} that is missing or malformed
     */
    public static RaftKeyValueStore fromConfig(Map<String, Object> raft, Duration ttl, Duration retryTimeout) {
        return fromConfig(raft, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As above, with retries and client-only polling on {@code ticker} and {@code sleeper}. */
    public static RaftKeyValueStore fromConfig(Map<String, Object> raft, Duration ttl, Duration retryTimeout,
                                               Ticker ticker, Sleeper sleeper) {
        RaftCredentials credentials = RaftCredentials.of(raft);
        List<String> partners = RaftAddresses.partners(raft.get("partner_addrs"));
        String self = string(raft, "self_addr");
        List<String> addresses = new ArrayList<>(partners);  // checked first: a bad address is named as such
        if (self != null) addresses.add(RaftAddresses.require("raft.self_addr", self));
        String bind = string(raft, "bind_addr");
        if (bind != null) addresses.add(RaftAddresses.require("raft.bind_addr", bind));
        RaftPasswords.requireOffLoopback(credentials.secured(),
                RaftPasswords.insecure(raft), addresses);
        if (self == null) {
            if (partners.isEmpty()) {
                throw new IllegalArgumentException("raft.partner_addrs is required without raft.self_addr"
                        + " (client-only mode); raft.self_addr is required to run a voting peer");
            }
            return client(partners, credentials, ttl, retryTimeout, ticker, sleeper);
        }
        String dir = string(raft, "data_dir");
        if (dir == null || dir.isEmpty()) throw new IllegalArgumentException("raft.data_dir is required");
        RaftKvServer server = RaftKvServer.start(self, string(raft, "bind_addr"), partners, Path.of(dir), credentials);
        return new RaftKeyValueStore(server, true, ttl, retryTimeout, ticker, sleeper);
    }

    private static String string(Map<String, Object> raft, String key) {
        Object v = raft.get(key);
        if (v == null) return null;
        if (v instanceof Map || v instanceof List) {
            throw new IllegalArgumentException("raft." + key + " must be a string, got " + v);
        }
        return v.toString().trim();
    }

    public static List<String> partners(Object value) {
        return RaftAddresses.partners(value);
    }

    private synchronized RaftClient client() {
        return client;
    }

    private Result submit(Command c) throws DcsException {
        return submit(c, null);
    }

    /** {@link #submit(Command)} within {@code budget} instead of the retry timeout when it is shorter (null: none). */
    private Result submit(Command c, Duration budget) throws DcsException {
        Message reply = call(c.op(), false, budget, rc -> rc.async().send(Codec.message(c)));
        Result r = Codec.read(reply.getContent(), Result.class);
        synchronized (this) {
            lastRevision = Math.max(lastRevision, r.revision());
            if (c.ttl() > 0 && r.ok() && r.session() != 0) session = r.session();
        }
        return r;
    }

    private Message read(String what, KvStateMachine.Query query) throws DcsException {
        return call(what, true, null, rc -> rc.async().sendReadOnly(Codec.message(query)));
    }

    /**
     * The retry policy of one call within {@code budget}: each send waits for what is left of it; after a transient
     * refusal the request is resent every {@value RaftClients#RETRY_SLEEP_MS} ms while at least two such pauses are
     * left (the pace of the Ratis client's own retries, see {@link RaftClients}).
     */
    static RetryPolicy retryPolicy(Duration budget) {
        Duration pause = Duration.ofMillis(RaftClients.RETRY_SLEEP_MS);
        return RetryPolicy.within(budget).withBackoff(pause).withMinLeftToRetry(pause.multipliedBy(2));
    }

    /**
     * Sends through the current client and waits up to the retry timeout, resending after transient refusals (no
     * leader known yet, leader stepping down). A peer that cannot serve a linearizable read (it knows no leader, or
     * cannot reach it) answers with a refusal the Ratis client does not fail over on: it would send every resend to
     * that same peer, and a cut-off old leader refuses until the partition heals. So after such a refusal the next
     * send goes to the next peer of the group (a new client that starts there). When the call fails otherwise or
     * times out, the client is replaced too: a Ratis ordered client that gave up on one request refuses every later
     * one, and closing it also stops its retries of the abandoned request. A read ({@code readOnly}) that failed
     * because another call replaced its client meanwhile is resent; a write is not (it may have applied).
     *
     * <p>A read waits for one peer at most one RPC timeout ({@link RaftClients#rpcTimeout}) while more of the budget
     * is left, then moves on to the next peer the same way. A follower serves a linearizable read only once it has
     * applied the leader's commit index, so one whose replication stalls (under load an append stream can hang until
     * the leader resets it, seconds later) holds the read; Ratis' own retry after its RPC timeout came too late, as
     * it first closes the old connection. A write is never resent after a timeout: it may have applied.
     */
    private Message call(String what, boolean readOnly, Duration shorterBudget,
                         Function<RaftClient, CompletableFuture<RaftClientReply>> send) throws DcsException {
        Duration budget;
        synchronized (this) {
            budget = shorterBudget != null && shorterBudget.compareTo(retryTimeout) < 0 ? shorterBudget : retryTimeout;
        }
        Duration readAttempt = RaftClients.rpcTimeout(budget);
        RaftClient[] failedClient = {null};  // the client of the last refusal that came as an exception
        try {
            return retryPolicy(budget).run(ticker, sleeper, t -> {
                RaftClient used = client();
                RaftPeerId target = used.getLeaderId();  // where this send goes first
                // A read waits for one peer no longer than an RPC may take, and leaves time for the next peer; a
                // group of one has no next peer, and a fresh client to the same one would only start its connection
                // (TLS handshake) again (regentctl on a loaded machine: two cut-short attempts, both too short).
                boolean cutShort = readOnly && peers.size() > 1 && readAttempt.compareTo(t.timeout()) < 0;
                Duration wait = cutShort ? readAttempt : t.timeout();
                CompletableFuture<RaftClientReply> future = send.apply(used);
                try {
                    RaftClientReply reply = awaitReply(future, wait);
                    if (reply.isSuccess()) return RetryPolicy.Outcome.done(reply.getMessage());
                    failedClient[0] = null;
                    Throwable refusal = reply.getException();
                    if (!transientRefusal(refusal)) throw new DcsException("raft DCS " + what + " failed: " + refusal);
                    if (cannotServeReads(refusal)) moveOn(used, reply.getServerId());
                    return RetryPolicy.Outcome.retry(String.valueOf(refusal), refusal);
                } catch (MajorityStopped e) {
                    future.cancel(true);
                    replace(used);
                    throw new DcsException("raft DCS " + what + " failed: most peers of the raft group have stopped"
                            + " (their raft ports refuse connections), nothing can commit until they are back");
                } catch (TimeoutException e) {
                    future.cancel(true);
                    if (cutShort) {  // a read with budget left: ask the next peer, through a fresh client
                        moveOn(used, target);
                        return RetryPolicy.Outcome.retry("no reply from " + target + " within " + wait, e);
                    }
                    replace(used);
                    throw new DcsException("raft DCS " + what + " timed out after " + budget);
                } catch (ExecutionException e) {
                    // Another call replaced (and closed) this client meanwhile: resend a read through the new one.
                    if (readOnly && used != client()) return RetryPolicy.Outcome.retry("client replaced", e.getCause());
                    failedClient[0] = used;
                    if (!transientRefusal(e.getCause())) {
                        replace(used);
                        throw new DcsException("raft DCS " + what + " failed: " + e.getCause());
                    }
                    if (cannotServeReads(e.getCause())) moveOn(used, used.getLeaderId());  // the peer it was sent to
                    return RetryPolicy.Outcome.retry(String.valueOf(e.getCause()), e.getCause());
                }
            }, last -> {
                if (failedClient[0] != null) replace(failedClient[0]);
                return new DcsException("raft DCS " + what + " failed: " + last.reason());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("raft DCS " + what + " interrupted");
        }
    }

    /** Refusals that resolve once a leader is (re-)established; Ratis hands them to the caller unretried. */
    private static boolean transientRefusal(Throwable t) {
        return t instanceof ReadIndexException || t instanceof ReadException || t instanceof LeaderNotReadyException
                || t instanceof LeaderSteppingDownException || t instanceof ServerNotReadyException;
    }

    /** Refusals of a peer that cannot serve a linearizable read now; another peer of the group may. */
    private static boolean cannotServeReads(Throwable t) {
        return t instanceof ReadIndexException || t instanceof ReadException || t instanceof ServerNotReadyException;
    }

    /** Replaces {@code broken} (if still current) by a client whose first send goes to the peer after its target. */
    private void replace(RaftClient broken) {
        moveOn(broken, broken.getLeaderId());
    }

    /**
     * Replaces {@code used} (if still current) by a client that sends first to the peer after {@code refusedBy} in
     * the group's order, so consecutive refusals walk round the group. The old client is closed in the background:
     * closing waits up to 3 s for its gRPC streams, which the caller must not spend.
     */
    private void moveOn(RaftClient used, RaftPeerId refusedBy) {
        synchronized (this) {
            if (client != used) return;  // another caller already replaced it
            client = clients.create(retryTimeout, peerAfter(refusedBy));
        }
        CLOSER.execute(() -> closeQuietly(used));
    }

    /** The peer after {@code peer} in the group's order (the first one for an unknown peer). */
    private RaftPeerId peerAfter(RaftPeerId peer) {
        int i = peers.indexOf(peer);
        return peers.get((i + 1) % peers.size());
    }

    private synchronized Command cmd(String op, String key, String value, String expected, long rev, boolean eph) {
        return new Command(op, key, value, expected, rev, eph ? session : 0, eph ? ttl.toMillis() : 0, 0);
    }

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        Message reply = read("read", new KvStateMachine.Query(prefix, null));
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

    /** Rebuilds the Ratis client when the budget changes (its retry policy is fixed); calls in flight fail. */
    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        RaftClient old;
        synchronized (this) {
            if (retryTimeout.equals(this.retryTimeout)) return;
            this.retryTimeout = retryTimeout;
            old = client;
            client = clients.create(retryTimeout, old.getLeaderId());  // keep the leader it found
        }
        CLOSER.execute(() -> closeQuietly(old));
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a client only releases its channels
        }
    }

    /**
     * How long a shutdown waits for its session to be revoked. The revoke only makes the member key go at once rather
     * than at the session's expiry, and a committed write takes milliseconds in a working group; when the group has
     * lost its majority (every node of {@code bin/regent demo} stopping at once on Ctrl-C: the last ones wait on peers
     * that are gone) waiting the whole retry timeout only delays the stop, by 10 s per node in the default profile.
     */
    static final Duration REVOKE_BUDGET = Duration.ofSeconds(1);

    /** How long a call waits for its reply before it first looks whether the group still has a majority running. */
    static final long MAJORITY_CHECK_MS = 300;
    /** The same right after a call found most peers stopped. */
    static final long MAJORITY_RECHECK_MS = 50;

    /** The group can no longer commit: most of its peers have stopped ({@link RaftKvServer#majorityStopped}). */
    private static final class MajorityStopped extends Exception {
        private static final long serialVersionUID = 1L;

        MajorityStopped() {
            super(null, null, false, false);
        }
    }

    /**
     * The reply within {@code wait}. A store with a peer of its own, once its node is {@link #stopping}, also looks,
     * every {@value #MAJORITY_CHECK_MS} ms without a reply, whether most peers of the group have stopped: then nothing
     * can commit, and waiting out the retry timeout would only delay the stop. Whole-cluster stops meet this (every
     * node of {@code bin/regent demo} on Ctrl-C: the replicas' peers are gone before the leader, whose postgres must
     * be down first, releases the leader key, and that release used to wait 10 s for nothing). A working group
     * replies in milliseconds and never reaches the check.
     */
    private RaftClientReply awaitReply(CompletableFuture<RaftClientReply> future, Duration wait)
            throws InterruptedException, ExecutionException, TimeoutException, MajorityStopped {
        if (local == null || !stopping) return future.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        // right after a call found the majority stopped (a shutdown's release, then its session revoke), look again
        // soon rather than after a whole slice; the wait is counted down by slices, each a timed get
        long slice = ticker.monotonicMillis() - majorityStoppedSeen < 10_000 ? MAJORITY_RECHECK_MS : MAJORITY_CHECK_MS;
        long left = wait.toMillis();
        while (true) {
            long now = Math.min(left, slice);
            try {
                return future.get(now, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                left -= now;
                if (left <= 0) throw e;
                long probing = ticker.monotonicMillis();
                boolean stopped = local.majorityStopped();
                // silent peers make each probe wait its connect timeout: that counts against the budget too, so that
                // a call never outlasts its retry timeout (the leader demotes on time in a partition)
                left -= Math.max(0, ticker.monotonicMillis() - probing);
                if (stopped) {
                    majorityStoppedSeen = ticker.monotonicMillis();
                    throw new MajorityStopped();
                }
                if (left <= 0) throw e;
                slice = MAJORITY_CHECK_MS;
            }
        }
    }

    /** Set by {@link #stopping}: only a stopping node gives up on a stopped majority (see {@link #awaitReply}). */
    private volatile boolean stopping;

    /**
     * From now on a call gives up once most peers of the group have stopped ({@link #awaitReply}). Only while this
     * node stops: a running leader whose two peers restart together rides it out within retry_timeout, as before.
     */
    @Override
    public void stopping() {
        stopping = true;
    }

    /** The injected ticker's monotonic millis when a call last found most peers stopped (long ago at first). */
    private volatile long majorityStoppedSeen = Long.MIN_VALUE / 2;

    @Override
    public void closeSession() throws DcsException {
        long id;
        synchronized (this) {
            id = session;
            session = 0;
        }
        if (id != 0) submit(new Command("revoke", null, null, null, 0, id, 0, 0), REVOKE_BUDGET);
    }

    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        if (local != null) return local.stateMachine().awaitChange(prefix, afterRevision, timeout);
        return Deadline.after(ticker, timeout).await(() -> {
            try {
                return changedSince(prefix, afterRevision);
            } catch (DcsException e) {
                return false;  // the DCS is unreachable right now: keep polling until the timeout, as a watch would
            }
        }, Duration.ofMillis(POLL_MS), sleeper);
    }

    private boolean changedSince(String prefix, long afterRevision) throws DcsException {
        Message reply = read("watch poll", new KvStateMachine.Query(prefix, afterRevision));
        return Codec.read(reply.getContent(), KvStateMachine.QueryResult.class).changed();
    }

    @Override
    public synchronized long lastRevision() {
        return lastRevision;
    }

    @Override
    public void close() {
        closeQuietly(client());
        if (ownsServer) local.close();
    }
}
