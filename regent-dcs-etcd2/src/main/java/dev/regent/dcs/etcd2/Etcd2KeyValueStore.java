package dev.regent.dcs.etcd2;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.discovery.EtcdSrvDiscovery;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KeyValueStore} on etcd's v2 API ({@code /v2/keys}), as Patroni's {@code etcd} module: one etcd node per
 * key under {@code /<namespace>/<scope>/}, compare-and-set with {@code prevExist}, {@code prevValue} and
 * {@code prevIndex}, revisions = etcd's {@code modifiedIndex}/{@code createdIndex}, and watches as long polls with
 * {@code wait=true&waitIndex=}.
 *
 * <p>Sessions. The v2 API has no leases: Patroni writes its leader and member keys with {@code ttl} and rewrites
 * them every cycle. This store keeps the interface's session as a local notion: ephemeral keys are written with
 * {@code ttl} = the session TTL and remembered; {@link #keepAlive()} refreshes each of them
 * ({@code refresh=true&prevValue=}, which does not wake watchers) and starts a new session when one of them may
 * have expired (its last write or refresh is a TTL old) or is gone. A key read back shows this store's session when
 * it is one we wrote and nobody changed since; a TTL key of another node shows {@code "ttl:<createdIndex>"}, which
 * changes whenever the key is created anew (the v2 API does not record who owns a key). Thread-safe.
 */
public final class Etcd2KeyValueStore implements KeyValueStore {
    private static final Logger LOG = LoggerFactory.getLogger(Etcd2KeyValueStore.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** An ephemeral key this store wrote: its value, etcd's modifiedIndex of our write, when that write was sent. */
    private record Owned(String value, long modifiedIndex, long sentNanos) {}

    private final Etcd2Http http;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private Duration ttl;  // guarded by this
    private String session;  // guarded by this; null = none
    private final Map<String, Owned> owned = new LinkedHashMap<>();  // guarded by this
    private volatile long lastRevision;

    public Etcd2KeyValueStore(Etcd2Config config, Duration ttl, Duration retryTimeout) {
        this(config, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** A store whose retries and watches read time from {@code ticker} and wait with {@code sleeper}. */
    public Etcd2KeyValueStore(Etcd2Config config, Duration ttl, Duration retryTimeout, Ticker ticker,
                              Sleeper sleeper) {
        this.http = new Etcd2Http(config, retryTimeout, ticker, sleeper);
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.ttl = ttl;
    }

    /**
     * From Patroni's {@code etcd} section. Asks each host once whether it serves the v2 API: a server that answers
     * 404 under {@code /v2/keys} (etcd 3.6, or 3.4/3.5 without {@code --enable-v2}) stops the start-up here with an
     * {@link IllegalArgumentException} saying so; an unreachable one is left to the usual retries.
     *
     * @throws IllegalArgumentException naming a bad key, or when the server has no v2 API
     */
    public static Etcd2KeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout) {
        return fromConfig(section, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** As above, with retries and watches on {@code ticker} and {@code sleeper}. */
    public static Etcd2KeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                                Ticker ticker, Sleeper sleeper) {
        Etcd2KeyValueStore store = new Etcd2KeyValueStore(withSrv(Etcd2Config.fromMap(section)), ttl, retryTimeout,
                ticker, sleeper);
        store.checkV2Api();
        LOG.debug("DCS: etcd's v2 API (/v2/keys) at {}", store.http.endpoints());
        return store;
    }

    /**
     * With {@code srv}: the endpoints its DNS SRV records name (Patroni's order of names), else the configured hosts;
     * neither is an error naming {@code srv}.
     */
    static Etcd2Config withSrv(Etcd2Config config) {
        if (config.srv() == null) return config;
        try {
            List<java.net.URI> found = EtcdSrvDiscovery.discover(config.srv(), config.srvSuffix(), PROBE_TIMEOUT);
            if (!found.isEmpty()) return config.withEndpoints(found);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (config.endpoints().isEmpty()) {
            String suffix = config.srvSuffix() == null ? "" : " (srv_suffix '" + config.srvSuffix() + "')";
            throw new IllegalArgumentException(Etcd2Config.SECTION + ".srv: no etcd endpoint in the DNS SRV records"
                    + " of '" + config.srv() + "'" + suffix + " and no host configured");
        }
        return config;
    }

    /** One {@code GET /v2/keys/} per host until one answers; throws when it has no v2 API. */
    void checkV2Api() {
        try {
            http.checkV2Api(PROBE_TIMEOUT);
            http.discoverMembers();
        } catch (Etcd2ApiMissingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- reads

    /**
     * All keys under {@code prefix}: a recursive, quorum (linearizable) read of the directory holding it, filtered to
     * the keys that start with {@code prefix}.
     */
    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        String dir = prefix.substring(0, Math.max(0, prefix.lastIndexOf('/')));
        Etcd2Http.Answer a = http.call("GET", dir.isEmpty() ? "/" : dir,
                Map.of("recursive", "true", "sorted", "true", "quorum", "true"));
        noteRevision(a);
        List<KeyValue> out = new ArrayList<>();
        if (a.errorCode() == Etcd2Http.KEY_NOT_FOUND) return out;
        if (!a.ok()) throw unexpected("read " + dir, a);
        collect(a.body().path("node"), prefix, out);
        out.sort(Comparator.comparing(KeyValue::key));
        return out;
    }

    private void collect(JsonNode node, String prefix, List<KeyValue> out) {
        if (node.path("dir").asBoolean(false)) {
            for (JsonNode child : node.path("nodes")) collect(child, prefix, out);
            return;
        }
        String key = node.path("key").asText("");
        if (!key.startsWith(prefix)) return;
        long mod = node.path("modifiedIndex").asLong();
        out.add(new KeyValue(key, node.path("value").asText(""), mod, node.path("createdIndex").asLong(),
                sessionOf(key, node, mod)));
    }

    private synchronized String sessionOf(String key, JsonNode node, long modifiedIndex) {
        if (!node.has("ttl") && !node.has("expiration")) return null;
        Owned o = owned.get(key);
        if (o != null && o.modifiedIndex() == modifiedIndex && session != null) return session;
        return "ttl:" + node.path("createdIndex").asLong();
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    private void noteRevision(Etcd2Http.Answer a) {
        if (a.etcdIndex() > 0) lastRevision = Math.max(lastRevision, a.etcdIndex());
    }

    // ---- writes

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        return write(key, value, ephemeral, Map.of("prevExist", "false"));
    }

    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        if (expectedModRevision == 0) return create(key, value, ephemeral);
        return write(key, value, ephemeral, Map.of("prevIndex", Long.toString(expectedModRevision)));
    }

    /** Patroni's leader renewal: write with {@code prevValue}; when the key is gone, create it anew. */
    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        Etcd2Http.Answer a = put(key, newValue, ephemeral, Map.of("prevValue", expectedValue));
        if (a.ok()) return true;
        if (a.errorCode() == Etcd2Http.KEY_NOT_FOUND) return create(key, newValue, ephemeral);
        if (a.errorCode() == Etcd2Http.COMPARE_FAILED) return false;
        throw unexpected("write " + key, a);
    }

    /**
     * An update of the existing key ({@code prevExist=true}, which keeps its createdIndex, as etcd v3 keeps the
     * create revision), else a create; repeated when another node raced us between the two.
     */
    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        for (int i = 0; i < 10; i++) {
            Etcd2Http.Answer a = put(key, value, ephemeral, Map.of("prevExist", "true"));
            if (a.errorCode() == Etcd2Http.KEY_NOT_FOUND) a = put(key, value, ephemeral, Map.of("prevExist", "false"));
            if (a.ok()) return;
            if (a.errorCode() != Etcd2Http.NODE_EXIST) throw unexpected("write " + key, a);
        }
        throw new DcsException("etcd: could not write " + key + ": it was created and deleted concurrently 10 times");
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        return conditionalDelete(key, Map.of("prevValue", expectedValue));
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        if (expectedModRevision == 0) return false;  // an absent key: nothing to delete
        return conditionalDelete(key, Map.of("prevIndex", Long.toString(expectedModRevision)));
    }

    @Override
    public void delete(String key) throws DcsException {
        Etcd2Http.Answer a = http.call("DELETE", key, Map.of());
        noteRevision(a);
        forget(key);
        if (!a.ok() && a.errorCode() != Etcd2Http.KEY_NOT_FOUND) throw unexpected("delete " + key, a);
    }

    /** A prefix ending in {@code /} is a directory: removed recursively in one request (Patroni's delete_cluster). */
    @Override
    public void deletePrefix(String prefix) throws DcsException {
        if (!prefix.endsWith("/")) {
            for (KeyValue kv : getPrefix(prefix)) delete(kv.key());
            return;
        }
        Etcd2Http.Answer a = http.call("DELETE", prefix.substring(0, prefix.length() - 1),
                Map.of("recursive", "true"));
        noteRevision(a);
        synchronized (this) {
            owned.keySet().removeIf(k -> k.startsWith(prefix));
        }
        if (!a.ok() && a.errorCode() != Etcd2Http.KEY_NOT_FOUND) throw unexpected("delete " + prefix, a);
    }

    private boolean write(String key, String value, boolean ephemeral, Map<String, String> condition)
            throws DcsException {
        Etcd2Http.Answer a = put(key, value, ephemeral, condition);
        if (a.ok()) return true;
        int code = a.errorCode();
        if (code == Etcd2Http.NODE_EXIST || code == Etcd2Http.COMPARE_FAILED || code == Etcd2Http.KEY_NOT_FOUND) {
            return false;
        }
        throw unexpected("write " + key, a);
    }

    /** A PUT of {@code value}: with {@code ttl} (and remembered as ours) when ephemeral, without (no TTL) when not. */
    private Etcd2Http.Answer put(String key, String value, boolean ephemeral, Map<String, String> condition)
            throws DcsException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("value", value);
        long sent = ticker.nanoTime();
        String mySession = null;
        if (ephemeral) {
            synchronized (this) {
                mySession = currentSession();
                params.put("ttl", Long.toString(ttlSeconds()));
            }
        }
        params.putAll(condition);
        Etcd2Http.Answer a = http.call("PUT", key, params);
        noteRevision(a);
        if (a.ok()) {
            long index = a.body().path("node").path("modifiedIndex").asLong();
            noteRevision(index);
            synchronized (this) {
                if (ephemeral && mySession.equals(session)) {
                    owned.put(key, new Owned(value, index, sent));
                } else {
                    owned.remove(key);
                }
            }
        }
        return a;
    }

    private void noteRevision(long index) {
        if (index > lastRevision) lastRevision = index;
    }

    private boolean conditionalDelete(String key, Map<String, String> condition) throws DcsException {
        Etcd2Http.Answer a = http.call("DELETE", key, condition);
        noteRevision(a);
        if (a.ok()) {
            forget(key);
            return true;
        }
        int code = a.errorCode();
        if (code == Etcd2Http.COMPARE_FAILED || code == Etcd2Http.KEY_NOT_FOUND) return false;
        throw unexpected("delete " + key, a);
    }

    private synchronized void forget(String key) {
        owned.remove(key);
    }

    private static DcsException unexpected(String what, Etcd2Http.Answer a) {
        return new DcsException("etcd could not " + what + ": HTTP " + a.status() + " "
                + a.body().path("message").asText(a.body().toString()) + " " + a.body().path("cause").asText(""));
    }

    // ---- session

    /**
     * Refreshes the TTL of every ephemeral key of the session (conditional on its value, so a key another node took
     * over is not touched). When one may have expired already, or is gone, the session is over: a new one starts
     * and the caller rewrites its keys.
     */
    @Override
    public synchronized String keepAlive() throws DcsException {
        String before = session;
        if (!currentSession().equals(before)) return session;  // none yet, or lapsed: a new, empty one
        long now = ticker.nanoTime();
        for (Map.Entry<String, Owned> e : new ArrayList<>(owned.entrySet())) {
            if (now - e.getValue().sentNanos() < refreshAge().toNanos()) continue;  // written a moment ago
            if (!refresh(e.getKey(), e.getValue().value())) {
                owned.clear();  // expired: the session is over
                return session = newSessionId();
            }
        }
        return session;
    }

    /** Refreshes one key's TTL if it still holds {@code value}; false when it is gone. */
    private boolean refresh(String key, String value) throws DcsException {
        long sent = ticker.nanoTime();
        Etcd2Http.Answer a = http.call("PUT", key, Map.of("refresh", "true", "prevExist", "true",
                "ttl", Long.toString(ttlSeconds()), "prevValue", value));
        noteRevision(a);
        if (a.ok()) {
            long index = a.body().path("node").path("modifiedIndex").asLong();
            noteRevision(index);
            owned.put(key, new Owned(value, index, sent));
            return true;
        }
        if (a.errorCode() == Etcd2Http.COMPARE_FAILED) {
            owned.remove(key);  // another node wrote it: no longer ours
            return true;
        }
        if (a.errorCode() == Etcd2Http.KEY_NOT_FOUND) return false;
        throw unexpected("refresh " + key, a);
    }

    /**
     * The session, a new one when there is none or when one of its keys may have expired (its last write or refresh
     * was sent a TTL ago or more).
     */
    private synchronized String currentSession() {
        long now = ticker.nanoTime();
        if (session != null && owned.values().stream().noneMatch(o -> now - o.sentNanos() >= ttl.toNanos())) {
            return session;
        }
        owned.clear();
        return session = newSessionId();
    }

    /**
     * Keys written or refreshed less than this long ago are not refreshed again: the leader renewal and the member
     * touch of one cycle need one request each, and a key just written keeps its modifiedIndex (no spurious change).
     */
    private synchronized Duration refreshAge() {
        Duration quarter = ttl.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) < 0 ? quarter : Duration.ofSeconds(1);
    }

    @Override
    public synchronized String sessionId() {
        return session;
    }

    @Override
    public synchronized void setTtl(Duration ttl) {
        if (ttl.equals(this.ttl)) return;
        this.ttl = ttl;
        session = null;  // abandoned, not deleted (as Patroni): the next renewal rewrites our keys with the new TTL
        owned.clear();
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        http.setRetryTimeout(retryTimeout);
    }

    /** Deletes every ephemeral key of the session that still holds what we wrote ({@code prevIndex}). */
    @Override
    public synchronized void closeSession() throws DcsException {
        if (session == null) return;
        Map<String, Owned> keys = new HashMap<>(owned);
        owned.clear();
        session = null;
        for (Map.Entry<String, Owned> e : keys.entrySet()) {
            Etcd2Http.Answer a = http.call("DELETE", e.getKey(),
                    Map.of("prevIndex", Long.toString(e.getValue().modifiedIndex())));
            noteRevision(a);
            int code = a.errorCode();
            if (!a.ok() && code != Etcd2Http.KEY_NOT_FOUND && code != Etcd2Http.COMPARE_FAILED) {
                throw unexpected("delete " + e.getKey(), a);
            }
        }
    }

    private long ttlSeconds() {
        return Math.max(1, (ttl.toMillis() + 999) / 1000);
    }

    private static String newSessionId() {
        return "etcd2-" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---- watch

    /**
     * A long poll on the directory holding {@code prefix} from {@code afterRevision + 1}: true at the first event
     * on a key under {@code prefix} (an expiry included), or when etcd no longer has the events since then
     * (index cleared: the caller reads again); false when {@code timeout} passes first.
     */
    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        String dir = prefix.substring(0, Math.max(0, prefix.lastIndexOf('/')));
        long waitIndex = afterRevision + 1;
        while (true) {
            if (deadline.expired()) return false;
            try {
                Etcd2Http.Answer a = http.watch(dir.isEmpty() ? "/" : dir, Map.of("wait", "true", "recursive", "true",
                        "waitIndex", Long.toString(waitIndex)), deadline.remaining());
                if (a == null) return false;
                if (a.errorCode() == Etcd2Http.EVENT_INDEX_CLEARED) return true;
                if (!a.ok()) throw new IOException("watch answered HTTP " + a.status() + " " + a.body());
                JsonNode node = a.body().path("node");
                String key = node.path("key").asText("");
                if (key.startsWith(prefix) || prefix.startsWith(key + "/")) return true;  // a key, or a dir above
                waitIndex = Math.max(waitIndex, node.path("modifiedIndex").asLong() + 1);
            } catch (IOException | DcsException e) {
                LOG.debug("etcd watch on {} failed: {}", dir, e.toString());
                sleeper.sleep(Duration.ofMillis(Math.max(1, deadline.cap(Duration.ofMillis(200)).toMillis())));
            }
        }
    }

    @Override
    public void close() {
        // the JDK 17 HttpClient has no close(); its threads end when it is collected
    }
}
