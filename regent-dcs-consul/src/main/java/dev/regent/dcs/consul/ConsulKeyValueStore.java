package dev.regent.dcs.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KeyValueStore} on a Consul agent's HTTP API, as Patroni's {@code consul} module uses it
 * (patroni-interfaces.md §5.8). Keys are Consul KV keys without the leading slash ({@code service/batman/leader});
 * revisions are Consul's {@code ModifyIndex}/{@code CreateIndex}.
 *
 * <ul>
 *   <li>Session: one Consul session per store, named {@code <scope>-<name>}, TTL = ttl / 2 (Consul invalidates a
 *       session only after up to twice its TTL), {@code Behavior: delete} (the keys it holds go with it),
 *       {@code LockDelay: 0.001s} (Patroni's, so that a new leader can take the key at once), the configured
 *       {@code checks}. When the agent refuses the TTL as below its {@code session_ttl_min}, the TTL is raised to
 *       that minimum with a warning, as Patroni's {@code adjust_ttl}. Renewed by {@link #keepAlive()}; a session
 *       the agent no longer knows is replaced.</li>
 *   <li>Ephemeral keys (leader, member) are written with {@code ?acquire=<session>}; an acquire refused while no
 *       session holds the key means another session's lock-delay still runs: the race is lost for now.</li>
 *   <li>Compare-and-set with {@code ?cas=<ModifyIndex>} ({@code 0}: create only); conditional deletes with
 *       {@code ?cas=}.</li>
 *   <li>{@link #awaitChange} is a blocking query ({@code ?recurse&index=&wait=}) on the prefix.</li>
 *   <li>{@code register_service}: see {@link ConsulServiceRegistrar}.</li>
 * </ul>
 * Thread-safe.
 */
public final class ConsulKeyValueStore implements KeyValueStore {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulKeyValueStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MEMBER_KEY = Pattern.compile(".*?([^/]+)/members/([^/]+)");
    private static final Pattern LEADER_KEY = Pattern.compile(".*?([^/]+)/leader");
    private static final Pattern TTL_MIN = Pattern.compile("\\[([0-9.]+)(ms|s|m|h)=");

    private final ConsulHttp http;
    private final ConsulConfig config;
    private final Sleeper sleeper;
    private final Ticker ticker;
    private final ConsulServiceRegistrar registrar;
    private Duration ttl;  // guarded by this
    private Duration minSessionTtl = Duration.ZERO;  // learned from the agent's refusal
    private String session;  // guarded by this; null = none
    private String sessionName = "regent";
    private volatile long lastRevision;
    private volatile Listing lastListing = new Listing("", Set.of());

    /** The keys of the last {@link #getPrefix} read, to tell a deletion from an unrelated index change. */
    private record Listing(String prefix, Set<String> keys) {}

    public ConsulKeyValueStore(ConsulConfig config, Duration ttl, Duration retryTimeout) {
        this(config, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    public ConsulKeyValueStore(ConsulConfig config, Duration ttl, Duration retryTimeout, Ticker ticker,
                               Sleeper sleeper) {
        this.config = config;
        this.http = new ConsulHttp(config, retryTimeout, ticker, sleeper);
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.ttl = ttl;
        this.registrar = config.registerService()
                ? new ConsulServiceRegistrar(http, config, () -> sessionTtl().toSeconds()) : null;
    }

    /** From Patroni's {@code consul} section; {@link IllegalArgumentException} names a bad key. */
    public static ConsulKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                                 Ticker ticker, Sleeper sleeper) {
        ConsulKeyValueStore store = new ConsulKeyValueStore(ConsulConfig.fromMap(section), ttl, retryTimeout, ticker,
                sleeper);
        LOG.debug("DCS: Consul agent at {}", store.config.base());
        return store;
    }

    public static ConsulKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout) {
        return fromConfig(section, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    // ---- keys

    private static String consulKey(String key) {
        return key.startsWith("/") ? key.substring(1) : key;
    }

    private static String kvPath(String key) {
        return "/v1/kv/" + ConsulHttp.encodeKey(consulKey(key));
    }

    private Map<String, String> readParams(boolean recurse) {
        Map<String, String> q = new LinkedHashMap<>();
        if (recurse) q.put("recurse", null);
        if (!config.consistency().equals("default")) q.put(config.consistency(), null);
        return q;
    }

    // ---- reads

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        ConsulHttp.Answer a = http.call("GET", kvPath(prefix), readParams(true), null);
        List<KeyValue> out = entries(a, "read " + prefix);
        out.sort(Comparator.comparing(KeyValue::key));
        if (a.index() > 0) lastRevision = a.index();
        Set<String> keys = new HashSet<>();
        for (KeyValue kv : out) keys.add(kv.key());
        lastListing = new Listing(prefix, keys);
        return out;
    }

    private KeyValue get(String key) throws DcsException {
        ConsulHttp.Answer a = http.call("GET", kvPath(key), readParams(false), null);
        List<KeyValue> kvs = entries(a, "read " + key);
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    private static List<KeyValue> entries(ConsulHttp.Answer a, String what) throws DcsException {
        List<KeyValue> out = new ArrayList<>();
        if (a.status() == 404) return out;
        if (!a.ok()) throw unexpected(what, a);
        try {
            for (JsonNode n : JSON.readTree(a.body())) {
                JsonNode v = n.get("Value");
                String value = v == null || v.isNull() ? ""
                        : new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8);
                String s = n.path("Session").asText("");
                out.add(new KeyValue("/" + n.path("Key").asText(), value, n.path("ModifyIndex").asLong(),
                        n.path("CreateIndex").asLong(), s.isEmpty() ? null : s));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new DcsException("Consul answered an unreadable KV listing to " + what + ": " + e.getMessage());
        }
        return out;
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    // ---- writes

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        if (!ephemeral) return write(key, value, Map.of("cas", "0"));
        boolean won = acquire(key, value);
        if (!won && get(key) == null) {
            LOG.info("Consul refused the lock on {} although no session holds it: the lock-delay of the session that"
                    + " held it has not run out yet", consulKey(key));
        }
        return won;
    }

    /**
     * Consul cannot combine {@code cas} with {@code acquire} in one request (acquire wins), and no caller needs an
     * ephemeral compare-and-set: refused rather than done non-atomically.
     */
    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        if (ephemeral) {
            throw new UnsupportedOperationException("Consul: compare-and-set of a session-bound key is not atomic");
        }
        return write(key, value, Map.of("cas", Long.toString(expectedModRevision)));
    }

    /**
     * Patroni's leader renewal: the key holds our name on our session: nothing to write (the session renewal keeps
     * it). Bound to another session (an abandoned one of ours, or none): deleted with {@code cas} and acquired
     * again, as Patroni's "Recreating the leader key due to session mismatch".
     */
    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        KeyValue kv = get(key);
        if (kv == null) return ephemeral ? acquire(key, newValue) : write(key, newValue, Map.of("cas", "0"));
        if (!kv.value().equals(expectedValue)) return false;
        if (!ephemeral) return write(key, newValue, Map.of("cas", Long.toString(kv.modRevision())));
        String mine = ensureSession(key, newValue);
        if (mine.equals(kv.session())) return newValue.equals(kv.value()) || acquire(key, newValue);
        LOG.warn("Recreating the leader key due to session mismatch");
        http.call("DELETE", kvPath(key), Map.of("cas", Long.toString(kv.modRevision())), null);
        return acquire(key, newValue);
    }

    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        if (!ephemeral) {
            if (!write(key, value, Map.of())) throw new DcsException("Consul did not store " + consulKey(key));
            return;
        }
        if (!acquire(key, value)) {
            // held by another session: an abandoned one of ours (a TTL change), as Patroni's touch_member deletes it
            delete(key);
            if (!acquire(key, value)) {
                throw new DcsException("Consul refused the lock on " + consulKey(key) + " for our session " + session
                        + " (another session holds it, or a lock-delay runs)");
            }
        }
        if (registrar != null) {
            Matcher m = MEMBER_KEY.matcher(key);
            if (m.matches()) registrar.memberWritten(m.group(1), m.group(2), value, sessionId());
        }
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        KeyValue kv = get(key);
        if (kv == null || !kv.value().equals(expectedValue)) return false;
        return deleteCas(key, kv.modRevision());
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        if (expectedModRevision == 0) return false;
        return deleteCas(key, expectedModRevision);
    }

    private boolean deleteCas(String key, long index) throws DcsException {
        ConsulHttp.Answer a = http.call("DELETE", kvPath(key), Map.of("cas", Long.toString(index)), null);
        if (!a.ok()) throw unexpected("delete " + consulKey(key), a);
        return a.body().strip().equals("true");
    }

    @Override
    public void delete(String key) throws DcsException {
        ConsulHttp.Answer a = http.call("DELETE", kvPath(key), Map.of(), null);
        if (!a.ok()) throw unexpected("delete " + consulKey(key), a);
    }

    @Override
    public void deletePrefix(String prefix) throws DcsException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("recurse", null);
        ConsulHttp.Answer a = http.call("DELETE", kvPath(prefix), q, null);
        if (!a.ok()) throw unexpected("delete " + consulKey(prefix), a);
    }

    private boolean write(String key, String value, Map<String, String> params) throws DcsException {
        ConsulHttp.Answer a = http.call("PUT", kvPath(key), params, value);
        if (!a.ok()) throw unexpected("write " + consulKey(key), a);
        return a.body().strip().equals("true");
    }

    /** {@code PUT ?acquire=<session>}; a session the agent no longer knows is replaced once and the write repeated. */
    private boolean acquire(String key, String value) throws DcsException {
        for (int attempt = 0; attempt < 2; attempt++) {
            String s = ensureSession(key, value);
            ConsulHttp.Answer a = http.call("PUT", kvPath(key), Map.of("acquire", s), value);
            if (a.invalidSession()) {
                LOG.error("Our session disappeared from Consul, creating a new one to write {}", consulKey(key));
                forget(s);
                continue;
            }
            if (!a.ok()) throw unexpected("lock " + consulKey(key), a);
            return a.body().strip().equals("true");
        }
        throw new DcsException("Consul refused two new sessions in a row as invalid while writing " + consulKey(key));
    }

    private static DcsException unexpected(String what, ConsulHttp.Answer a) {
        return new DcsException("Consul could not " + what + ": HTTP " + a.status() + " " + a.body().strip());
    }

    // ---- session

    /** The session TTL: ttl / 2 (Consul keeps a session up to twice its TTL), at least the agent's minimum. */
    synchronized Duration sessionTtl() {
        Duration half = ttl.dividedBy(2);
        return half.compareTo(minSessionTtl) < 0 ? minSessionTtl : half;
    }

    /** Names the session after the first key that tells the scope and member name. */
    private synchronized String ensureSession(String key, String value) throws DcsException {
        if (session != null) return session;
        Matcher m = MEMBER_KEY.matcher(key);
        if (m.matches()) {
            sessionName = m.group(1) + "-" + m.group(2);
        } else if ((m = LEADER_KEY.matcher(key)).matches() && value != null && !value.isBlank()) {
            sessionName = m.group(1) + "-" + value;
        }
        return session = createSession();
    }

    private String createSession() throws DcsException {
        for (int attempt = 0; attempt < 2; attempt++) {
            ObjectNode body = JSON.createObjectNode().put("Name", sessionName)
                    .put("TTL", seconds(sessionTtl())).put("Behavior", "delete").put("LockDelay", "0.001s");
            config.checks().forEach(body.putArray("Checks")::add);
            ConsulHttp.Answer a = http.call("PUT", "/v1/session/create", Map.of(), body.toString());
            if (a.invalidSessionTtl()) {
                Duration min = minimumFrom(a.body());
                if (min == null || min.compareTo(sessionTtl()) <= 0) throw unexpected("create a session", a);
                LOG.warn("Changing Session TTL from {} to {}", seconds(sessionTtl()), seconds(min));
                minSessionTtl = min;
                continue;
            }
            if (!a.ok()) throw unexpected("create a session", a);
            try {
                String id = JSON.readTree(a.body()).path("ID").asText("");
                if (id.isEmpty()) throw new IOException("no ID in " + a.body());
                return id;
            } catch (IOException e) {
                throw new DcsException("Consul answered an unreadable session: " + e.getMessage());
            }
        }
        throw new DcsException("Consul refused the session TTL twice");
    }

    /** The minimum of Consul's "Invalid Session TTL '...', must be between [10s=24h0m0s]". */
    static Duration minimumFrom(String message) {
        Matcher m = TTL_MIN.matcher(message);
        if (!m.find()) return null;
        double v = Double.parseDouble(m.group(1));
        double unit = switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        return Duration.ofMillis(Math.round(v * unit));
    }

    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
    }

    private synchronized void forget(String s) {
        if (s.equals(session)) session = null;
    }

    /** Renews the session (creates one when there is none, or when the agent no longer knows ours). */
    @Override
    public String keepAlive() throws DcsException {
        String s;
        synchronized (this) {
            s = session;
        }
        if (s != null) {
            ConsulHttp.Answer a = http.call("PUT", "/v1/session/renew/" + s, Map.of(), null);
            if (a.status() == 404 || a.invalidSession()) {
                LOG.warn("Consul session {} expired: creating a new one", s);
                forget(s);
            } else if (!a.ok()) {
                throw unexpected("renew session " + s, a);
            }
        }
        if (registrar != null) registrar.retryIfFailed();
        synchronized (this) {
            return session != null ? session : ensureSession("", null);
        }
    }

    @Override
    public synchronized String sessionId() {
        return session;
    }

    @Override
    public synchronized void setTtl(Duration ttl) {
        if (ttl.equals(this.ttl)) return;
        Duration before = sessionTtl();
        this.ttl = ttl;
        if (!sessionTtl().equals(before)) session = null;  // abandoned, not destroyed (as Patroni)
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        http.setRetryTimeout(retryTimeout);
    }

    @Override
    public void closeSession() throws DcsException {
        String s;
        synchronized (this) {
            s = session;
            session = null;
        }
        if (s == null) return;
        ConsulHttp.Answer a = http.call("PUT", "/v1/session/destroy/" + s, Map.of(), null);
        if (!a.ok()) throw unexpected("destroy session " + s, a);
    }

    // ---- watch

    /**
     * Blocking queries on {@code prefix} from {@code afterRevision}: true when a key under it was written after that
     * index, or a key seen by the last read of the prefix is gone (or a new one came). Consul answers an empty
     * prefix with the whole KV index, so a write elsewhere ends a query without a change here: it waits again.
     */
    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        Listing seen = lastListing;
        Set<String> before = new HashSet<>();
        if (prefix.startsWith(seen.prefix())) {
            for (String k : seen.keys()) if (k.startsWith(prefix)) before.add(k);
        }
        long index = Math.max(1, afterRevision);
        while (true) {
            Duration left = deadline.remaining();
            if (left.compareTo(Duration.ofMillis(1)) < 0) return false;
            try {
                ConsulHttp.Answer a = http.block(kvPath(prefix), readParams(true), index, left);
                if (deadline.expired() && a.index() <= index) return false;
                List<KeyValue> now = entries(a, "watch " + prefix);
                Set<String> keys = new HashSet<>();
                for (KeyValue kv : now) {
                    if (kv.modRevision() > afterRevision) return true;
                    keys.add(kv.key());
                }
                if (!keys.equals(before)) return true;
                // an index reset (smaller than ours) starts over from the new one, as Consul's docs advise
                index = a.index() < index ? Math.max(1, a.index()) : Math.max(index, a.index());
            } catch (IOException | DcsException e) {
                LOG.debug("Consul watch on {} failed: {}", prefix, e.toString());
                sleeper.sleep(deadline.cap(Duration.ofMillis(500)));
            }
        }
    }

    @Override
    public void close() {
        if (registrar != null) registrar.deregister();
    }
}
