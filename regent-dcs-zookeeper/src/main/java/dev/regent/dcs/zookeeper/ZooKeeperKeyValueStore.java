package dev.regent.dcs.zookeeper;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.curator.ensemble.EnsembleProvider;
import org.apache.curator.ensemble.fixed.FixedEnsembleProvider;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * {@link KeyValueStore} on ZooKeeper through Apache Curator, in Patroni's layout: one znode per key under
 * {@code /<namespace>/<scope>}, parents created as persistent znodes (kazoo's {@code makepath}); ephemeral keys
 * ({@code leader}, {@code members/<name>}) are ephemeral znodes owned by this store's ZooKeeper session, whose timeout
 * is {@code ttl}. Revisions are zxids: a key's mod revision is its {@code mzxid}, its create revision its
 * {@code czxid}; a compare-and-set reads the znode and writes it conditioned on the znode version read, so it
 * succeeds only if nobody wrote in between (Patroni's optimistic update by version).
 *
 * <p>Sessions. ZooKeeper keeps a session alive by the client's pings, not by renewals. To give the same guarantee as
 * an etcd lease, that a node whose loop stopped renewing loses its ephemeral keys after {@code ttl}, this store ends
 * its session itself when {@link #keepAlive()} was not called for {@code ttl} (see {@link SessionHolder}); the
 * server ends it when the process dies or is cut off. A session the server expired is replaced by a new one at once
 * (Curator), and {@link #sessionId()} then names the new one, so the caller rewrites its keys.
 *
 * <p>Each command is retried on connection loss until {@code retry_timeout}, then reported as {@link DcsException};
 * one attempt never blocks past that deadline, even on a dead connection the client has not noticed yet.
 * Thread-safe.
 */
public final class ZooKeeperKeyValueStore implements KeyValueStore {
    private static final byte[] EMPTY = new byte[0];

    private final SessionHolder sessions;
    private final ZkCalls calls;
    private final Ticker ticker;
    private final Watches watches;
    private final ExhibitorEnsemble exhibitor;
    private volatile long lastRevision;

    /** A store on a fixed ensemble. */
    public ZooKeeperKeyValueStore(ZooKeeperConfig config, Duration ttl, Duration retryTimeout, Ticker ticker,
                                  Sleeper sleeper) {
        this(new FixedEnsembleProvider(config.connectString(), false), config.security(), config.tls(), ttl,
                retryTimeout, ticker, sleeper);
    }

    /** A store whose ensemble comes from {@code ensemble}; an {@link ExhibitorEnsemble} is polled on every read. */
    public ZooKeeperKeyValueStore(EnsembleProvider ensemble, ZooKeeperSecurity security, ZooKeeperTls tls,
                                  Duration ttl, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        this.ticker = ticker;
        this.exhibitor = ensemble instanceof ExhibitorEnsemble e ? e : null;
        ZooKeeperTimeouts timeouts = new ZooKeeperTimeouts(ttl, retryTimeout);
        this.watches = new Watches();
        this.sessions = new SessionHolder(ensemble, security, tls, timeouts, ticker, watches);
        this.calls = new ZkCalls(sessions, ticker, sleeper);
    }

    /** From Patroni's {@code zookeeper} section; {@link IllegalArgumentException} names a bad key. */
    public static ZooKeeperKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                                    Ticker ticker, Sleeper sleeper) {
        return new ZooKeeperKeyValueStore(ZooKeeperConfig.fromMap(section), ttl, retryTimeout, ticker, sleeper);
    }

    /**
     * From Patroni's {@code exhibitor} section ({@code hosts}, {@code port}, {@code poll_interval}): the ensemble is
     * what Exhibitor lists, refreshed on reads once the poll interval has passed.
     */
    public static ZooKeeperKeyValueStore fromExhibitorConfig(Map<String, Object> section, Duration ttl,
                                                             Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        return new ZooKeeperKeyValueStore(ExhibitorEnsemble.fromConfig(section, ticker),
                ZooKeeperSecurity.fromMap(ExhibitorEnsemble.SECTION, section),
                ZooKeeperTls.fromMap(ExhibitorEnsemble.SECTION, section), ttl, retryTimeout, ticker, sleeper);
    }

    // ---- reads

    /** Also polls Exhibitor (when configured) and moves the session to a changed ensemble, as Patroni does. */
    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        if (exhibitor != null && exhibitor.poll()) sessions.updateServerList(exhibitor.getConnectionString());
        Scan scan = calls.call("read " + prefix, c -> scan(c, prefix));
        lastRevision = scan.revision;
        return scan.keys;
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    /** The keys under a prefix and the highest zxid seen among them (and, for a folder prefix, its children's). */
    private record Scan(List<KeyValue> keys, long revision) {}

    /**
     * A prefix {@code /a/b/} is the subtree of {@code /a/b} (without that znode itself); {@code /a/le} is every
     * child of {@code /a} whose name starts with {@code le}, with its subtree. A znode is a key when it has data or no
     * children ({@link #isKey}).
     */
    private static Scan scan(CuratorFramework c, String prefix) throws Exception {
        Paths.Split split = Paths.split(prefix);
        List<KeyValue> out = new ArrayList<>();
        long[] max = {0};
        Stat rootStat = new Stat();
        List<String> children;
        try {
            children = c.getChildren().storingStatIn(rootStat).forPath(split.parent());
        } catch (KeeperException.NoNodeException e) {
            return new Scan(List.of(), 0);
        }
        if (split.namePrefix().isEmpty()) max[0] = Math.max(rootStat.getPzxid(), rootStat.getMzxid());
        for (String child : children) {
            if (!child.startsWith(split.namePrefix())) continue;
            String path = Paths.join(split.parent(), child);
            if (path.equals("/zookeeper")) continue;  // the server's own tree
            walk(c, path, out, max);
        }
        out.sort(Comparator.comparing(KeyValue::key));
        return new Scan(out, max[0]);
    }

    private static void walk(CuratorFramework c, String path, List<KeyValue> out, long[] max) throws Exception {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = c.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return;  // deleted meanwhile
        }
        max[0] = Math.max(max[0], Math.max(stat.getMzxid(), stat.getPzxid()));
        if (isKey(stat)) {
            out.add(new KeyValue(path, text(data), stat.getMzxid(), stat.getCzxid(),
                    stat.getEphemeralOwner() == 0 ? null : Long.toString(stat.getEphemeralOwner())));
        }
        if (stat.getNumChildren() == 0) return;
        List<String> children;
        try {
            children = c.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        for (String child : children) walk(c, Paths.join(path, child), out, max);
    }

    /**
     * A znode is a key when it holds data or never had children. The persistent parents made for deeper keys (such as
     * {@code members}) are empty and had children, so they are not keys, also once their children are gone.
     */
    static boolean isKey(Stat stat) {
        return stat.getDataLength() > 0 || stat.getNumChildren() == 0 && stat.getCversion() == 0;
    }

    // ---- writes

    @Override
    public boolean create(String rawKey, String value, boolean ephemeral) throws DcsException {
        String key = Paths.znode(rawKey);
        return write(ephemeral, "create " + key, c -> tryCreate(c, key, value, ephemeral));
    }

    @Override
    public boolean compareAndSet(String rawKey, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        String key = Paths.znode(rawKey);
        return write(ephemeral, "update " + key, c -> {
            if (expectedModRevision == 0) return tryCreate(c, key, value, ephemeral);
            Stat stat = c.checkExists().forPath(key);
            if (stat == null || stat.getMzxid() != expectedModRevision) return false;
            try {
                c.setData().withVersion(stat.getVersion()).forPath(key, bytes(value));
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    /**
     * Patroni's leader update: the key must hold {@code expectedValue} or be absent. A key of ours left by an older
     * session (after a ttl change) is deleted and created again on the current one, as Patroni does ("Recreating the
     * leader ZNode due to ownership mismatch").
     */
    @Override
    public boolean putIfValueOrAbsent(String rawKey, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        String key = Paths.znode(rawKey);
        return write(ephemeral, "update " + key, c -> {
            for (int attempt = 0; attempt < 3; attempt++) {
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = c.getData().storingStatIn(stat).forPath(key);
                } catch (KeeperException.NoNodeException e) {
                    if (tryCreate(c, key, newValue, ephemeral)) return true;
                    continue;  // somebody created it meanwhile: look again
                }
                if (!text(data).equals(expectedValue)) return false;
                Boolean done = rewrite(c, key, newValue, ephemeral, stat, data);
                if (done != null) return done;
            }
            return false;
        });
    }

    @Override
    public void put(String rawKey, String value, boolean ephemeral) throws DcsException {
        String key = Paths.znode(rawKey);
        write(ephemeral, "write " + key, c -> {
            for (int attempt = 0; attempt < 5; attempt++) {
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = c.getData().storingStatIn(stat).forPath(key);
                } catch (KeeperException.NoNodeException e) {
                    if (tryCreate(c, key, value, ephemeral)) return true;
                    continue;
                }
                Boolean done = rewrite(c, key, value, ephemeral, stat, data);
                if (done != null) return done;
            }
            throw new DcsException("ZooKeeper: " + key + " keeps changing under a write");
        });
    }

    /**
     * Write {@code value} over the znode read as {@code stat}: in place when its kind and owner fit, else (an
     * ephemeral key owned by another session of ours, or a persistent znode that must become ephemeral) by deleting
     * and creating it. Null when the znode changed meanwhile, so the caller reads again.
     */
    private Boolean rewrite(CuratorFramework c, String key, String value, boolean ephemeral, Stat stat, byte[] data)
            throws Exception {
        long owner = stat.getEphemeralOwner();
        long mine = SessionHolder.sessionOf(c);
        boolean ownerFits = ephemeral ? owner == mine : owner == 0;
        try {
            if (ownerFits) {
                if (ephemeral && text(data).equals(value)) return true;  // nothing to change: the session renews it
                c.setData().withVersion(stat.getVersion()).forPath(key, bytes(value));
                return true;
            }
            c.delete().withVersion(stat.getVersion()).forPath(key);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return null;
        }
        return tryCreate(c, key, value, ephemeral) ? Boolean.TRUE : null;
    }

    @Override
    public boolean deleteIfValue(String rawKey, String expectedValue) throws DcsException {
        String key = Paths.znode(rawKey);
        return calls.call("delete " + key, c -> {
            for (int attempt = 0; attempt < 3; attempt++) {
                Stat stat = new Stat();
                try {
                    byte[] data = c.getData().storingStatIn(stat).forPath(key);
                    if (!text(data).equals(expectedValue)) return false;
                    c.delete().withVersion(stat.getVersion()).forPath(key);
                    return true;
                } catch (KeeperException.NoNodeException e) {
                    return false;
                } catch (KeeperException.BadVersionException e) {
                    // rewritten meanwhile (maybe with the same value): look again
                }
            }
            return false;
        });
    }

    @Override
    public boolean deleteIfModRevision(String rawKey, long expectedModRevision) throws DcsException {
        String key = Paths.znode(rawKey);
        if (expectedModRevision == 0) return false;  // an absent key: nothing to delete
        return calls.call("delete " + key, c -> {
            Stat stat = c.checkExists().forPath(key);
            if (stat == null || stat.getMzxid() != expectedModRevision) return false;
            try {
                c.delete().withVersion(stat.getVersion()).forPath(key);
                return true;
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                return false;
            }
        });
    }

    @Override
    public void delete(String rawKey) throws DcsException {
        String key = Paths.znode(rawKey);
        calls.call("delete " + key, c -> {
            try {
                c.delete().forPath(key);
            } catch (KeeperException.NoNodeException e) {
                // already gone
            }
            return null;
        });
    }

    /** For a folder prefix ({@code /a/b/}) the folder znode goes too, as Patroni deletes a cluster recursively. */
    @Override
    public void deletePrefix(String prefix) throws DcsException {
        calls.call("delete " + prefix, c -> {
            Paths.Split split = Paths.split(prefix);
            List<String> targets = new ArrayList<>();
            if (split.namePrefix().isEmpty()) {
                if (!split.parent().equals("/")) targets.add(split.parent());
            } else {
                try {
                    for (String child : c.getChildren().forPath(split.parent())) {
                        if (child.startsWith(split.namePrefix())) targets.add(Paths.join(split.parent(), child));
                    }
                } catch (KeeperException.NoNodeException e) {
                    return null;
                }
            }
            for (String t : targets) {
                try {
                    c.delete().deletingChildrenIfNeeded().forPath(t);
                } catch (KeeperException.NoNodeException e) {
                    // already gone
                }
            }
            return null;
        });
    }

    /** Creates {@code key} with persistent parents; false when it exists. */
    private static boolean tryCreate(CuratorFramework c, String key, String value, boolean ephemeral)
            throws Exception {
        try {
            c.create().creatingParentsIfNeeded()
                    .withMode(ephemeral ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT).forPath(key, bytes(value));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /** A write; an ephemeral one starts the session's lease (in this interface's sense) unless one runs. */
    private <T> T write(boolean ephemeral, String what, ZkCalls.Op<T> op) throws DcsException {
        if (!ephemeral) return calls.call(what, op);
        return calls.call(what, c -> {
            T result = op.apply(c);
            sessions.leaseStarted(c);
            return result;
        });
    }

    // ---- session

    @Override
    public String keepAlive() throws DcsException {
        long started = ticker.nanoTime();
        return calls.call("keep the session alive", c -> {
            c.checkExists().forPath("/");  // proves the session is connected and valid now
            return Long.toString(sessions.renewed(c, started));
        });
    }

    @Override
    public String sessionId() {
        return sessions.sessionId();
    }

    @Override
    public void setTtl(Duration ttl) {
        sessions.setTtl(ttl);
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        sessions.setRetryTimeout(retryTimeout);
    }

    @Override
    public void closeSession() {
        sessions.closeSession();
    }

    // ---- watch

    /**
     * A persistent recursive watch on the prefix's znode (registered once per session) wakes this at once; a scan
     * first finds changes made before the watch was set. Connection loss and reconnection wake it too, as Patroni's
     * session listener wakes its loop.
     */
    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        long before = watches.events(prefix);
        try {
            calls.once(timeout, c -> {
                watches.ensure(c, prefix);
                return null;
            });
            if (calls.once(deadline.remaining(), c -> scan(c, prefix)).revision > afterRevision) return true;
        } catch (DcsException e) {
            // not reachable now: a connection event or the timeout ends the wait
        }
        while (true) {
            long seen = watches.signal().count();
            if (watches.events(prefix) != before) return true;
            if (deadline.expired()) return false;
            watches.signal().awaitAfter(seen, deadline.remaining(), ticker);
        }
    }

    /** The current ZooKeeper handle (tests expire its session from another handle). */
    org.apache.zookeeper.ZooKeeper handle() throws Exception {
        return sessions.client().getZookeeperClient().getZooKeeper();
    }

    @Override
    public void close() {
        sessions.close();
        sessions.closeEnsemble();
        calls.close();
    }

    static byte[] bytes(String s) {
        return s == null ? EMPTY : s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }
}
