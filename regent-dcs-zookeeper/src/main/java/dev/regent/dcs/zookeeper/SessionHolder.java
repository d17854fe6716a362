package dev.regent.dcs.zookeeper;

import dev.regent.dcs.DcsException;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.ensemble.EnsembleProvider;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's ZooKeeper client and session. A Curator client (one ZooKeeper session at a time; Curator opens a new
 * one at once when the server expired the old) is created on first use and replaced when the session is closed or
 * the ttl changes.
 *
 * <p>The {@link dev.regent.dcs.KeyValueStore} session: it starts with the first ephemeral write or keep-alive and
 * ends when {@link #closeSession()} is called or when no keep-alive came for {@code ttl} (the lease guard closes the
 * client then, so its ephemeral znodes go as an expired etcd lease's keys would, even if this JVM still pings). A ttl
 * change retires the client without closing it, so the leader znode lives until the next renewal has re-created it on
 * the new session; the retired client is closed at the keep-alive after that. Thread-safe (this object's monitor).
 */
final class SessionHolder {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHolder.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final EnsembleProvider ensemble;
    private final ZooKeeperSecurity security;
    private final ZooKeeperTls tls;  // null = plain TCP
    private final Ticker ticker;
    private final Watches watches;
    private final ScheduledExecutorService guard = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "regent-zookeeper-lease-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private ZooKeeperTimeouts timeouts;
    private CuratorFramework client;
    private CuratorFramework retired;
    private int keepAlivesSinceRetired;
    private boolean leased;
    private long renewedAtNanos;
    private long lastSession;
    private boolean closed;

    SessionHolder(EnsembleProvider ensemble, ZooKeeperSecurity security, ZooKeeperTls tls,
                  ZooKeeperTimeouts timeouts, Ticker ticker, Watches watches) {
        this.ensemble = new Unowned(ensemble);
        this.security = security;
        this.tls = tls;
        this.timeouts = timeouts;
        this.ticker = ticker;
        this.watches = watches;
    }

    /** For error messages: how the client connects ("" for plain TCP). */
    String transport() {
        return tls == null ? "" : " over TLS (check cacert, cert, key and the server's certificate)";
    }

    synchronized ZooKeeperTimeouts timeouts() {
        return timeouts;
    }

    /** The current client, created and started on first use. */
    synchronized CuratorFramework client() throws DcsException {
        if (closed) throw new DcsException("the ZooKeeper store is closed");
        if (client == null) {
            if (ensemble.getConnectionString().isEmpty()) {
                Object source = ((Unowned) ensemble).delegate();
                throw new DcsException("no ZooKeeper servers known yet: "
                        + (source instanceof ExhibitorEnsemble e ? e.describe() + " did not answer" : "no hosts"));
            }
            client = newClient();
        }
        return client;
    }

    /** The ensemble changed (Exhibitor): the current session moves to the new servers instead of ending. */
    void updateServerList(String connectString) {
        CuratorFramework c;
        synchronized (this) {
            c = client;
        }
        if (c == null) return;
        try {
            c.getZookeeperClient().getZooKeeper().updateServerList(connectString);
        } catch (Exception e) {
            LOG.warn("Could not hand the new ZooKeeper servers {} to the client: {}", connectString, e.toString());
        }
    }

    /** The session id of {@code client}'s connection, 0 while it has none. */
    static long sessionOf(CuratorFramework client) throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }

    /** The session id (decimal, as ephemeral owners are shown), or null when no session is running. */
    synchronized String sessionId() {
        if (!leased || client == null) return null;
        try {
            long id = sessionOf(client);
            if (id != 0) lastSession = id;
        } catch (Exception e) {
            // not connected now: the last known session is still ours until it expires
        }
        return lastSession == 0 ? null : Long.toString(lastSession);
    }

    private long currentSession() {
        try {
            return client == null ? lastSession : sessionOf(client);
        } catch (Exception e) {
            return lastSession;
        }
    }

    /**
     * An ephemeral write went through {@code used}: its session is now this store's session, whose lease starts now
     * unless one runs (counted from here, not from the start of the write: a first connection may take a while, and
     * the session exists only once connected, as an etcd lease's TTL runs from its grant).
     */
    void leaseStarted(CuratorFramework used) throws Exception {
        long session = sessionOf(used);
        synchronized (this) {
            if (used != client || leased) return;
            leased = true;
            renewedAtNanos = ticker.nanoTime();
            lastSession = session;
            scheduleGuard(timeouts.session());
        }
    }

    /**
     * A keep-alive that started at {@code startedNanos} reached the server through {@code used}: the lease runs
     * another ttl from then (a new lease from now). Returns the session id.
     */
    long renewed(CuratorFramework used, long startedNanos) throws Exception {
        long session = sessionOf(used);
        CuratorFramework toClose = null;
        synchronized (this) {
            if (used == client) {
                // a new lease runs from now (its session exists since the connection came up), a running one from
                // when this keep-alive started, as the HA loop counts its own lock
                renewedAtNanos = leased ? Math.max(renewedAtNanos, startedNanos) : ticker.nanoTime();
                leased = true;
                lastSession = session;
                scheduleGuard(timeouts.session());
            }
            if (retired != null && ++keepAlivesSinceRetired >= 2) {
                toClose = retired;
                retired = null;
            }
        }
        closeQuietly(toClose);
        return session;
    }

    private void scheduleGuard(Duration after) {
        if (closed) return;
        guard.schedule(this::checkLease, Math.max(1, after.toMillis()), TimeUnit.MILLISECONDS);
    }

    /** Ends the session when it was not renewed for ttl (etcd lease semantics on top of ZooKeeper's session). */
    private void checkLease() {
        List<CuratorFramework> toClose;
        synchronized (this) {
            if (!leased || closed) return;
            long idleNanos = ticker.nanoTime() - renewedAtNanos;
            long ttlNanos = timeouts.session().toNanos();
            if (idleNanos < ttlNanos) {
                scheduleGuard(Duration.ofNanos(ttlNanos - idleNanos));
                return;
            }
            LOG.warn("ZooKeeper session 0x{} was not renewed for ttl {} s: closing it, so that its leader and member"
                    + " znodes go", Long.toHexString(currentSession()), timeouts.session().toSeconds());
            toClose = detachClients();
        }
        toClose.forEach(SessionHolder::closeQuietly);
    }

    /** Applies to the next session; the current one is retired (see the class comment). */
    void setTtl(Duration ttl) {
        CuratorFramework toClose = null;
        synchronized (this) {
            if (ttl.equals(timeouts.session())) return;
            timeouts = new ZooKeeperTimeouts(ttl, timeouts.retry());
            if (client == null) return;
            if (leased) {
                toClose = retired;
                retired = client;
                keepAlivesSinceRetired = 0;
            } else {
                toClose = client;
            }
            client = null;
            leased = false;
            lastSession = 0;
        }
        closeQuietly(toClose);
    }

    synchronized void setRetryTimeout(Duration retryTimeout) {
        timeouts = new ZooKeeperTimeouts(timeouts.session(), retryTimeout);
    }

    /** Closes the session now: the server deletes its ephemeral znodes before this returns (when reachable). */
    void closeSession() {
        List<CuratorFramework> toClose;
        synchronized (this) {
            toClose = detachClients();
        }
        toClose.forEach(SessionHolder::closeQuietly);
    }

    /** Forgets the current and the retired session (the caller closes them outside the lock); holds the lock. */
    private List<CuratorFramework> detachClients() {
        List<CuratorFramework> detached = new ArrayList<>();
        detached.add(client);
        detached.add(retired);
        client = null;
        retired = null;
        leased = false;
        lastSession = 0;
        return detached;
    }

    void close() {
        synchronized (this) {
            if (closed) return;
        }
        closeSession();
        synchronized (this) {
            closed = true;
        }
        guard.shutdownNow();
    }

    private CuratorFramework newClient() {
        ZKClientConfig zk = new ZKClientConfig();
        zk.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");  // kazoo, too, only authenticates when told
        if (tls != null) tls.apply(zk);
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .ensembleProvider(ensemble)
                .sessionTimeoutMs(timeouts.sessionMillis())
                .connectionTimeoutMs((int) timeouts.connect().toMillis())
                .retryPolicy(new RetryNTimes(0, 0))  // ZkCalls retries, on the store's ticker and deadline
                .defaultData(new byte[0])
                .ensembleTracker(false)  // Patroni uses the configured hosts, not the ensemble's dynamic config
                .zkClientConfig(zk);
        if (!security.auth().isEmpty()) builder.authorization(security.auth());
        if (!security.acls().isEmpty()) builder.aclProvider(new FixedAcls(security.acls()));
        CuratorFramework c = builder.build();
        int requested = timeouts.sessionMillis();
        c.getConnectionStateListenable().addListener((cl, state) -> onState(cl, state, requested));
        c.start();
        return c;
    }

    private void onState(CuratorFramework c, ConnectionState state, int requestedMillis) {
        synchronized (this) {
            if (c != client) return;  // a closed or retired client
        }
        switch (state) {
            case CONNECTED, RECONNECTED -> {
                long session = 0;
                try {
                    session = sessionOf(c);
                } catch (Exception ignored) {
                    // raced with a disconnect: the next event says so
                }
                int granted = c.getZookeeperClient().getLastNegotiatedSessionTimeoutMs();
                LOG.info("Connected to ZooKeeper {} (session 0x{})",
                        c.getZookeeperClient().getCurrentConnectionString(), Long.toHexString(session));
                if (granted > 0 && granted != requestedMillis) {
                    LOG.warn("ZooKeeper granted a session timeout of {} ms instead of ttl {} ms (servers keep it"
                            + " within 2-20 times their tickTime)", granted, requestedMillis);
                }
                if (state == ConnectionState.RECONNECTED) watches.connectionChanged();
            }
            case SUSPENDED -> {
                LOG.warn("Lost the connection to ZooKeeper; reconnecting");
                watches.connectionChanged();
            }
            case LOST -> {
                LOG.warn("ZooKeeper session lost: its ephemeral znodes (leader, member) are gone");
                watches.connectionChanged();
            }
            default -> { }
        }
    }

    private static void closeQuietly(CuratorFramework c) {
        if (c == null) return;
        try {
            c.close();
        } catch (RuntimeException e) {
            LOG.debug("closing a ZooKeeper client: {}", e.toString());
        }
    }

    /** {@code set_acls}: the same ACLs on every znode created, parents included (kazoo's default_acl). */
    private record FixedAcls(List<ACL> acls) implements ACLProvider {
        @Override public List<ACL> getDefaultAcl() { return acls; }
        @Override public List<ACL> getAclForPath(String path) { return acls; }
    }

    /** Hands Curator the provider without letting each client start or close it: it outlives sessions. */
    private record Unowned(EnsembleProvider delegate) implements EnsembleProvider {
        @Override public void start() { }
        @Override public void close() { }
        @Override public String getConnectionString() { return delegate.getConnectionString(); }
        @Override public void setConnectionString(String s) { delegate.setConnectionString(s); }
        @Override public boolean updateServerListEnabled() { return delegate.updateServerListEnabled(); }
    }

    /** Closes the provider itself, when the store closes. */
    void closeEnsemble() {
        try {
            ((Unowned) ensemble).delegate().close();
        } catch (IOException e) {
            LOG.debug("closing the ZooKeeper ensemble provider: {}", e.toString());
        }
    }
}
