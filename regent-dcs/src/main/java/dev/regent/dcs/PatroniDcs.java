package dev.regent.dcs;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Dcs} over a {@link KeyValueStore} in Patroni's key layout under {@code /<namespace>/<scope>/}, writing
 * Patroni's exact JSON values (patroni-interfaces.md section 5). Thread-safe: the small write caches are guarded by
 * this object's monitor; blocking happens only inside the store.
 */
public final class PatroniDcs implements Dcs {
    private static final Logger LOG = LoggerFactory.getLogger(PatroniDcs.class);
    /** Keys whose change wakes {@link #watch}: the ones replicas must react to (Patroni's etcd3 watcher). */
    private static final Set<String> WATCHED = Set.of("leader", "config", "status", "optime/leader", "failover",
            "sync", "initialize");

    private final KeyValueStore store;
    private final Ticker ticker;
    private final String name;
    private final String base;
    private final ClusterDecoder.Parsed parsed = new ClusterDecoder.Parsed();
    private String lastStatusJson;
    private String lastMemberJson;
    private String lastMemberSession;
    private boolean keptAliveSinceLastTouch;
    private Map<String, Long> watchedRevisions = Map.of();

    /**
     * @param namespace Patroni {@code namespace}, null = {@code /service}
     * @param scope     cluster name
     * @param name      this member's name
     */
    public PatroniDcs(KeyValueStore store, String namespace, String scope, String name) {
        this(store, namespace, scope, name, Ticker.SYSTEM);
    }

    /** As above, measuring {@link #watch} timeouts on {@code ticker}. */
    public PatroniDcs(KeyValueStore store, String namespace, String scope, String name, Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.store = Objects.requireNonNull(store, "store");
        this.name = requireNonBlank(name, "name");
        this.base = basePath(namespace == null ? "/service" : namespace, requireNonBlank(scope, "scope"));
    }

    /** {@code /<namespace>/<scope>/} with repeated slashes collapsed. */
    public static String basePath(String namespace, String scope) {
        return ("/" + namespace + "/" + scope + "/").replaceAll("/+", "/");
    }

    @Override public String name() { return name; }
    @Override public String basePath() { return base; }

    /** The underlying store (tests and tools use it to read raw values). */
    public KeyValueStore store() { return store; }

    /** Full key for a name relative to the base path, e.g. {@code leader} or {@code members/pg0}. */
    public String key(String relative) { return base + relative; }

    @Override
    public ClusterView load() throws DcsException {
        List<KeyValue> kvs = store.getPrefix(base);
        ClusterView view = ClusterDecoder.decode(base, kvs, parsed);
        synchronized (this) {
            watchedRevisions = watchedRevisions(kvs);
            Member me = view.member(name).orElse(null);
            if (me == null || !Objects.equals(me.session(), lastMemberSession)) lastMemberJson = null;
            KeyValue status = kvs.stream().filter(kv -> kv.key().equals(key("status"))).findFirst().orElse(null);
            lastStatusJson = status == null ? null : status.value();
        }
        return view;
    }

    private volatile Map<String, Long> lastSlots = Map.of();
    private volatile List<String> lastRetainSlots = List.of();

    @Override
    public boolean attemptToAcquireLeader() throws DcsException {
        boolean won = store.create(key("leader"), name, true);
        if (won) LOG.info("Acquired the leader lock {} as {}", key("leader"), name);
        return won;
    }

    @Override
    public boolean updateLeader(long optime, Map<String, Long> slots) throws DcsException {
        return updateLeader(optime, slots, List.of());
    }

    @Override
    public boolean updateLeader(long optime, Map<String, Long> slots, List<String> retainSlots) throws DcsException {
        keepAlive();
        if (!store.putIfValueOrAbsent(key("leader"), name, name, true)) return false;
        if (optime > 0) {
            lastSlots = slots == null ? Map.of() : Map.copyOf(slots);
            lastRetainSlots = retainSlots == null ? List.of() : List.copyOf(retainSlots);
            writeStatus(DcsJson.statusToJson(optime, lastSlots, lastRetainSlots));
        }
        return true;
    }

    @Override
    public boolean deleteLeader(long lastOptime) throws DcsException {
        // the final optime keeps the slot positions and retained names last published (as Patroni's delete_leader)
        if (lastOptime > 0) writeStatus(DcsJson.statusToJson(lastOptime, lastSlots, lastRetainSlots));
        return store.deleteIfValue(key("leader"), name);
    }

    private String keepAlive() throws DcsException {
        String session = store.keepAlive();
        synchronized (this) {
            keptAliveSinceLastTouch = true;
        }
        return session;
    }

    /** Keep-alive for touchMember: skipped when updateLeader already did it this cycle, or no session exists yet. */
    private String keepAliveUnlessRecent() throws DcsException {
        synchronized (this) {
            boolean recent = keptAliveSinceLastTouch;
            keptAliveSinceLastTouch = false;
            if (recent || store.sessionId() == null) return store.sessionId();
        }
        return store.keepAlive();
    }

    /** {@code status} is unconditional and written only when it changed (it is rewritten every cycle otherwise). */
    private void writeStatus(String json) throws DcsException {
        synchronized (this) {
            if (json.equals(lastStatusJson)) return;
        }
        store.put(key("status"), json, false);
        synchronized (this) {
            lastStatusJson = json;
        }
    }

    @Override
    public void touchMember(MemberData data) throws DcsException {
        String json = MemberCodec.toJson(data);
        // Every cycle keeps the session alive (as Patroni refreshes its lease), also on replicas whose member data
        // does not change; the leader already did it in updateLeader moments ago.
        String session = keepAliveUnlessRecent();
        synchronized (this) {
            if (session != null && json.equals(lastMemberJson) && session.equals(lastMemberSession)) return;
        }
        store.put(key("members/" + name), json, true);
        synchronized (this) {
            lastMemberJson = json;
            lastMemberSession = store.sessionId();
        }
    }

    @Override
    public boolean initialize(boolean create, String sysid) throws DcsException {
        String value = sysid == null ? "" : sysid;
        if (create) return store.create(key("initialize"), value, false);
        store.put(key("initialize"), value, false);
        return true;
    }

    @Override
    public void cancelInitialization() throws DcsException {
        store.delete(key("initialize"));
    }

    /*
     * The conditional writes below compare mod revisions, not values: etcd v2 refuses an empty prevValue, and the
     * placeholder's value is "". A compare that fails because the key changed between the read and the write
     * (Kubernetes: another annotation of the same object) reads again.
     */

    @Override
    public boolean cancelInitialization(String sysid) throws DcsException {
        for (int attempt = 0; attempt < 5; attempt++) {
            KeyValue kv = initializeKey();
            if (kv == null) return false;
            if (!kv.value().isEmpty() && !kv.value().equals(sysid)) return false;
            if (store.deleteIfModRevision(kv.key(), kv.modRevision())) return true;
        }
        return false;
    }

    @Override
    public boolean completeInitialization(String sysid) throws DcsException {
        for (int attempt = 0; attempt < 5; attempt++) {
            KeyValue kv = initializeKey();
            if (kv == null) {
                if (store.create(key("initialize"), sysid, false)) return true;
            } else if (kv.value().equals(sysid)) {
                return true;  // our own write, e.g. one whose answer was lost
            } else if (!kv.value().isEmpty()) {
                LOG.warn("initialize holds system identifier {}, not ours ({}): another member bootstrapped the "
                        + "cluster", kv.value(), sysid);
                return false;
            } else if (store.compareAndSet(kv.key(), sysid, kv.modRevision(), false)) {
                return true;
            }
        }
        throw new DcsException("could not write " + key("initialize") + ": it kept changing under the write");
    }

    @Override
    public boolean cancelStaleInitialize(long version) throws DcsException {
        boolean deleted = store.deleteIfModRevision(key("initialize"), version);
        if (deleted) LOG.warn("Removed {}: no member completed the bootstrap it stands for", key("initialize"));
        return deleted;
    }

    private KeyValue initializeKey() throws DcsException {
        String k = key("initialize");
        return store.getPrefix(k).stream().filter(kv -> kv.key().equals(k)).findFirst().orElse(null);
    }

    @Override
    public boolean setConfigValue(String json, Long version) throws DcsException {
        return write("config", json, version);
    }

    @Override
    public boolean setFailover(Failover failover, ZoneOffset offset, Long version) throws DcsException {
        return write("failover", DcsJson.failoverToJson(failover, offset), version);
    }

    @Override
    public boolean clearFailover(Long version) throws DcsException {
        return write("failover", DcsJson.failoverToJson(null, null), version);
    }

    @Override
    public boolean setSyncStateValue(String json, Long version) throws DcsException {
        return write("sync", json, version);
    }

    private boolean write(String relative, String value, Long version) throws DcsException {
        if (version == null) {
            store.put(key(relative), value, false);
            return true;
        }
        return store.compareAndSet(key(relative), value, version, false);
    }

    @Override
    public boolean deleteSyncState(Long version) throws DcsException {
        if (version != null) return store.deleteIfModRevision(key("sync"), version);
        store.delete(key("sync"));
        return true;
    }

    @Override
    public void setHistoryValue(TimelineHistory history) throws DcsException {
        store.put(key("history"), DcsJson.historyToJson(history), false);
    }

    @Override
    public boolean setHistoryValue(TimelineHistory history, long expectedVersion) throws DcsException {
        return store.compareAndSet(key("history"), DcsJson.historyToJson(history), expectedVersion, false);
    }

    /** Overwrite {@code failsafe} ({@code {member: api_url}}); null or empty deletes it. */
    @Override
    public void setFailsafeValue(Map<String, String> failsafe) throws DcsException {
        if (failsafe == null || failsafe.isEmpty()) {
            store.delete(key("failsafe"));
        } else {
            store.put(key("failsafe"), DcsJson.failsafeToJson(failsafe), false);
        }
    }

    @Override
    public void deleteCluster() throws DcsException {
        store.deletePrefix(base);
    }

    @Override
    public void reconfigure(Duration ttl, Duration retryTimeout) {
        if (ttl != null) store.setTtl(ttl);
        if (retryTimeout != null) store.setRetryTimeout(retryTimeout);
    }

    /**
     * Waits for a change of {@code leader}, {@code config}, {@code status}, {@code failover}, {@code sync} or
     * {@code initialize} since the last {@link #load}; member key updates alone do not wake the loop (replicas
     * rewrite them every cycle). Returns false on timeout or when the store is unreachable.
     */
    @Override
    public boolean watch(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        long revision = store.lastRevision();
        Map<String, Long> before;
        synchronized (this) {
            before = watchedRevisions;
        }
        while (true) {
            if (deadline.expired()) return false;
            if (!store.awaitChange(base, revision, deadline.remaining())) return false;
            try {
                List<KeyValue> kvs = store.getPrefix(base);
                if (!watchedRevisions(kvs).equals(before)) return true;
                revision = store.lastRevision();
            } catch (DcsException e) {
                return true;  // let the loop observe the outage now
            }
        }
    }

    private Map<String, Long> watchedRevisions(List<KeyValue> kvs) {
        Map<String, Long> m = new HashMap<>();
        for (KeyValue kv : kvs) {
            String rel = kv.key().startsWith(base) ? kv.key().substring(base.length()) : kv.key();
            if (WATCHED.contains(rel)) m.put(rel, kv.modRevision());
        }
        return m;
    }

    @Override
    public void stopping() {
        store.stopping();
    }

    @Override
    public void closeSession() {
        try {
            store.closeSession();
        } catch (DcsException e) {
            LOG.warn("Could not revoke the DCS session of {}: {}", name, e.getMessage());
        }
        synchronized (this) {
            lastMemberJson = null;
        }
    }

    @Override
    public void close() {
        store.close();
    }

    private static String requireNonBlank(String s, String what) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(what + " must not be empty");
        return s;
    }
}
