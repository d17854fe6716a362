package dev.regent.dcs.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.DcsJson;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.kubernetes.KubeApi.Answer;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's Kubernetes layout (patroni-interfaces.md section 5.9) behind the {@link KeyValueStore} interface, so that
 * {@code PatroniDcs} runs on it unchanged. Keys map to annotations ({@link PatroniAnnotations}) of ConfigMaps (or
 * Endpoints with {@code use_endpoints}) named {@code <scope>-leader} ({@code <scope>} with Endpoints),
 * {@code <scope>-config}, {@code <scope>-failover}, {@code <scope>-sync}, and {@code members/<name>} to the
 * {@code status} annotation of the Pod {@code <name>}, whose role label follows the member's role. The scope is the
 * last path element before the key ({@code /service/batman/leader} is scope {@code batman}); Patroni's
 * {@code namespace} plays no part, as in Patroni.
 *
 * <p>Kubernetes has no TTL: the leader lock expires when its record ({@code leader}, {@code acquireTime},
 * {@code ttl}, {@code renewTime}, {@code transitions}) stayed unchanged for {@code ttl} seconds <em>as this node
 * observed it</em>, on this node's monotonic clock, never from the {@code renewTime} another host's clock wrote.
 * Writes that depend on the current state carry the {@code resourceVersion} they were decided on: a 409 means
 * somebody else wrote first and the write reports false (a renewal re-reads once and retries only if the lock is
 * still ours). A "session" is local: it lasts while {@link #keepAlive} is called within the TTL, and tells which
 * leader record and Pod annotation this node wrote; other nodes see a marker instead. Thread-safe.
 */
public final class KubernetesKeyValueStore implements KeyValueStore {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesKeyValueStore.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> BOOTSTRAP_STATES = Set.of("initializing new cluster",
            "running custom bootstrap script", "creating replica");

    private final KubernetesSettings settings;
    private final KubeApi api;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final String kind;
    private volatile Duration ttl;

    // session and ownership, guarded by this
    private String sessionId;
    private long lastKeepAlive;
    private final Map<String, String> ownedLeader = new HashMap<>();
    private final Map<String, Long> acquiredRevision = new HashMap<>();
    private final Set<String> ownedPods = new java.util.HashSet<>();
    private final Map<String, Observation> observed = new HashMap<>();
    private final Map<String, KeyValue> contentRevisions = new HashMap<>();

    private final Object changes = new Object();
    private long changeCount;
    private volatile long lastRevision;
    private KubeWatcher watcher;

    /** When this node saw the leader record of a scope change, and the record. */
    private record Observation(Map<String, String> record, long atNanos) {}

    /** A key split into the cluster's base path, its scope and the key relative to the base. */
    record Ref(String base, String scope, String rel) {}

    public KubernetesKeyValueStore(KubernetesSettings settings, KubeConnection connection, Duration ttl,
                                   Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        this(settings, connection, ttl, retryTimeout, ticker, sleeper, settings.bypassApiService(),
                KubeApi.SERVERS_REFRESH);
    }

    /**
     * @param bypass         {@code bypass_api_service} in effect (regentctl passes false, as patronictl ignores it)
     * @param serversRefresh how old bypass's API server list may get (tests shorten it)
     */
    KubernetesKeyValueStore(KubernetesSettings settings, KubeConnection connection, Duration ttl,
                            Duration retryTimeout, Ticker ticker, Sleeper sleeper, boolean bypass,
                            Duration serversRefresh) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.ttl = ttl;
        this.kind = settings.useEndpoints() ? "endpoints" : "configmaps";
        this.api = new KubeApi(connection, bypass, serversRefresh, retryTimeout, settings.retriableHttpCodes(), ticker,
                sleeper);
    }

    /** The store of a {@code kubernetes:} section, connected as in a Pod or through the kubeconfig. */
    public static KubernetesKeyValueStore fromConfig(Map<String, Object> section, Duration ttl, Duration retryTimeout,
                                                     Ticker ticker, Sleeper sleeper) {
        KubernetesSettings s = KubernetesSettings.fromMap(section);
        // The environment key is regentctl's: like patronictl (`not self._ctl`), it does not bypass the Service.
        boolean ctl = section.get(KubeConnection.ENVIRONMENT_KEY) instanceof Map<?, ?>;
        KubeConnection c = section.get(KubeConnection.ENVIRONMENT_KEY) instanceof Map<?, ?> env
                ? KubeConnection.resolve(s, strings(env), Path.of(strings(env).getOrDefault("HOME",
                        System.getProperty("user.home"))), KubeConnection.SERVICE_ACCOUNT)
                : KubeConnection.resolve(s);
        LOG.debug("DCS: Kubernetes API {} ({}), namespace {}, {}", c.server(), c.source(), s.namespace(),
                s.useEndpoints() ? "Endpoints" : "ConfigMaps");
        return new KubernetesKeyValueStore(s, c, ttl, retryTimeout, ticker, sleeper, s.bypassApiService() && !ctl,
                KubeApi.SERVERS_REFRESH);
    }

    private static Map<String, String> strings(Map<?, ?> m) {
        Map<String, String> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
        return out;
    }

    public KubernetesSettings settings() {
        return settings;
    }

    // ---- naming

    /** Splits a full key; {@code /ns/batman/members/pg0} is scope {@code batman}, relative {@code members/pg0}. */
    static Ref ref(String key) {
        String[] s = java.util.Arrays.stream(key.split("/")).filter(x -> !x.isEmpty()).toArray(String[]::new);
        int n = s.length;
        if (key.endsWith("/")) {
            if (n < 1) throw new IllegalArgumentException("no scope in DCS path '" + key + "'");
            return new Ref(key, s[n - 1], "");
        }
        boolean twoParts = "members".equals(s[Math.max(0, n - 2)])
                || ("optime".equals(s[Math.max(0, n - 2)]) && "leader".equals(s[n - 1]));
        int relParts = n >= 3 && twoParts ? 2 : 1;
        if (n < relParts + 1) throw new IllegalArgumentException("no scope in DCS key '" + key + "'");
        String rel = relParts == 2 ? s[n - 2] + "/" + s[n - 1] : s[n - 1];
        return new Ref(key.substring(0, key.length() - rel.length()), s[n - relParts - 1], rel);
    }

    private String leaderName(String scope) {
        return settings.useEndpoints() ? scope : scope + "-leader";
    }

    /** The object holding {@code rel}: {@code <scope>-leader}, {@code <scope>-config}, ... */
    private String objectName(Ref r) {
        return switch (r.rel()) {
            case "leader", "status", "optime/leader", "failsafe" -> leaderName(r.scope());
            case "config", "initialize", "history" -> r.scope() + "-config";
            case "failover" -> r.scope() + "-failover";
            case "sync" -> r.scope() + "-sync";
            default -> throw new IllegalArgumentException("not a key of Patroni's layout: " + r.base() + r.rel());
        };
    }

    private String objectPath(String name) {
        return KubeApi.path(settings.namespace(), kind, name);
    }

    private String podPath(String name) {
        return KubeApi.path(settings.namespace(), "pods", name);
    }

    private static boolean isMember(Ref r) {
        return r.rel().startsWith("members/");
    }

    private static String podName(Ref r) {
        return r.rel().substring("members/".length());
    }

    // ---- reads

    @Override
    public List<KeyValue> getPrefix(String prefix) throws DcsException {
        Ref r = ref(prefix);
        String selector = settings.selectorFor(r.scope());
        long before;
        synchronized (changes) {
            before = changeCount;
        }
        JsonNode kinds = api.list(objectPath(null), selector);
        JsonNode pods = api.list(podPath(null), selector);
        List<KeyValue> out = new ArrayList<>();
        boolean sawLeader = false;
        for (JsonNode item : items(kinds)) {
            String name = item.path("metadata").path("name").asText();
            long rv = revision(item);
            JsonNode ann = item.path("metadata").path("annotations");
            if (name.equals(leaderName(r.scope()))) {
                sawLeader = true;
                boolean alive = observe(r.scope(), ann);
                String leader = PatroniAnnotations.value("leader", ann);
                if (alive && leader != null) out.add(leaderKv(r, leader, rv));
                addByContent(out, r.base() + "status", PatroniAnnotations.value("status", ann), rv);
                addByContent(out, r.base() + "failsafe", PatroniAnnotations.value("failsafe", ann), rv);
            } else if (name.equals(r.scope() + "-config")) {
                for (String rel : List.of("config", "initialize", "history")) {
                    add(out, r.base() + rel, PatroniAnnotations.value(rel, ann), rv, null);
                }
            } else if (name.equals(r.scope() + "-failover")) {
                String v = PatroniAnnotations.value("failover", ann);
                add(out, r.base() + "failover", v, rv, null);
            } else if (name.equals(r.scope() + "-sync")) {
                add(out, r.base() + "sync", PatroniAnnotations.value("sync", ann), rv, null);
            }
        }
        if (!sawLeader) observe(r.scope(), null);
        for (JsonNode pod : items(pods)) {
            String name = pod.path("metadata").path("name").asText();
            String status = PatroniAnnotations.text(pod.path("metadata").path("annotations"), "status");
            if (status == null) continue;
            String session;
            synchronized (this) {
                session = ownedPods.contains(r.scope() + "/" + name) ? sessionId : "pod";
            }
            long rv = revision(pod);
            add(out, r.base() + "members/" + name, status, rv, session);
        }
        lastRevision = before;
        out.removeIf(kv -> !kv.key().startsWith(prefix));
        out.sort(Comparator.comparing(KeyValue::key));
        return out;
    }

    private KeyValue leaderKv(Ref r, String leader, long rv) {
        synchronized (this) {
            boolean mine = sessionId != null && leader.equals(ownedLeader.get(r.scope()));
            // Our own renewals rewrite the object every cycle; they must not look like a change of the lock to
            // this node (its watch would wake it at once), so our lock keeps the revision it was taken at.
            long revision = mine ? acquiredRevision.getOrDefault(r.scope(), rv) : rv;
            return new KeyValue(r.base() + "leader", leader, revision, revision, mine ? sessionId : "k8s:" + leader);
        }
    }

    private static void add(List<KeyValue> out, String key, String value, long rv, String session) {
        if (value != null) out.add(new KeyValue(key, value, rv, rv, session));
    }

    /**
     * {@code status} and {@code failsafe} share the leader object with the lock, which every renewal rewrites; their
     * revision is the object's revision when this node first saw their current value, so that an unchanged value
     * keeps its revision (the others stores' semantics) and does not wake the watch.
     */
    private void addByContent(List<KeyValue> out, String key, String value, long rv) {
        if (value == null) return;
        synchronized (this) {
            KeyValue seen = contentRevisions.get(key);
            if (seen == null || !seen.value().equals(value)) {
                seen = new KeyValue(key, value, rv, rv, null);
                contentRevisions.put(key, seen);
            }
            out.add(seen);
        }
    }

    /** Records the leader record of {@code scope} as seen now; true while the lock is alive by this node's clock. */
    private synchronized boolean observe(String scope, JsonNode ann) {
        Map<String, String> record = PatroniAnnotations.leaderRecord(ann);
        long now = ticker.nanoTime();
        Observation o = observed.get(scope);
        if (o == null ? !record.isEmpty() : !o.record().equals(record)) {
            o = new Observation(record, now);
            observed.put(scope, o);
        }
        return o != null && alive(o, now);
    }

    private boolean alive(Observation o, long now) {
        String leader = o.record().get("leader");
        if (leader == null || leader.isEmpty()) return false;
        long seconds = ttl.toSeconds();
        try {
            long t = Long.parseLong(o.record().getOrDefault("ttl", "").strip());
            if (t > 0) seconds = t;
        } catch (NumberFormatException e) {
            // Patroni falls back to its own ttl
        }
        return now - o.atNanos() <= Duration.ofSeconds(seconds).toNanos();
    }

    private synchronized boolean holdsLock(String scope, String name) {
        Observation o = observed.get(scope);
        return o != null && name.equals(o.record().get("leader")) && alive(o, ticker.nanoTime());
    }

    private static Iterable<JsonNode> items(JsonNode list) {
        JsonNode items = list == null ? null : list.get("items");
        return items == null || !items.isArray() ? List.of() : items;
    }

    private static long revision(JsonNode object) throws DcsException {
        String rv = object.path("metadata").path("resourceVersion").asText("");
        try {
            return Long.parseLong(rv);
        } catch (NumberFormatException e) {
            throw new DcsException("Kubernetes object " + object.path("metadata").path("name").asText()
                    + " has a resourceVersion that is not a number: '" + rv + "'");
        }
    }

    private JsonNode read(String path) throws DcsException {
        Answer a = api.get(path);
        if (a.status() == 404) return null;
        if (!a.ok()) throw api.error("GET", path, a);
        return a.body();
    }

    // ---- writes

    @Override
    public boolean create(String key, String value, boolean ephemeral) throws DcsException {
        Ref r = ref(key);
        if (ephemeral) ensureSession();
        if (isMember(r)) return putIfValueOrAbsent(key, null, value, ephemeral);
        if (r.rel().equals("leader")) return acquire(r, value, null);
        return writeIfAbsent(r, value);
    }

    @Override
    public boolean compareAndSet(String key, String value, long expectedModRevision, boolean ephemeral)
            throws DcsException {
        Ref r = ref(key);
        if (expectedModRevision == 0) return create(key, value, ephemeral);
        if (isMember(r) || r.rel().equals("leader")) {
            throw new IllegalArgumentException("compare-and-set by revision is not used for " + key);
        }
        return patch(r, body(PatroniAnnotations.write(r.rel(), value)), Long.toString(expectedModRevision)) != null;
    }

    @Override
    public boolean putIfValueOrAbsent(String key, String expectedValue, String newValue, boolean ephemeral)
            throws DcsException {
        Ref r = ref(key);
        if (ephemeral) ensureSession();
        if (isMember(r)) {
            JsonNode pod = read(podPath(podName(r)));
            if (pod == null) throw noPod(podName(r));
            String current = PatroniAnnotations.text(pod.path("metadata").path("annotations"), "status");
            if (current != null && !current.equals(expectedValue)) return false;
            return patchPod(r, newValue, pod.path("metadata").path("resourceVersion").asText(), ephemeral);
        }
        if (r.rel().equals("leader")) return acquire(r, newValue, expectedValue);
        JsonNode obj = read(objectPath(objectName(r)));
        if (obj == null) return upsertCreate(r, body(PatroniAnnotations.write(r.rel(), newValue)), false);
        String current = PatroniAnnotations.value(r.rel(), obj.path("metadata").path("annotations"));
        if (current != null && !current.equals(expectedValue)) return false;
        return patch(r, body(PatroniAnnotations.write(r.rel(), newValue)), obj.path("metadata").path("resourceVersion")
                .asText()) != null;
    }

    @Override
    public void put(String key, String value, boolean ephemeral) throws DcsException {
        Ref r = ref(key);
        if (ephemeral) ensureSession();
        if (isMember(r)) {
            patchPod(r, value, null, ephemeral);
            return;
        }
        if (r.rel().equals("leader")) {
            JsonNode obj = read(objectPath(leaderName(r.scope())));
            ObjectNode record = leaderRecord(value, obj == null ? null : obj.path("metadata").path("annotations"),
                    false);
            if (obj == null) {
                upsertCreate(r, withSubsets(record, value, r), true);
            } else {
                patch(r, withSubsets(record, value, r), null);
            }
            return;
        }
        ObjectNode content = body(PatroniAnnotations.write(r.rel(), value));
        if (patch(r, content, null) == null) upsertCreate(r, content, true);
    }

    @Override
    public boolean deleteIfValue(String key, String expectedValue) throws DcsException {
        Ref r = ref(key);
        if (isMember(r)) {
            JsonNode pod = read(podPath(podName(r)));
            if (pod == null) return false;
            String current = PatroniAnnotations.text(pod.path("metadata").path("annotations"), "status");
            if (!Objects.equals(current, expectedValue)) return false;
            return clearPod(r.scope(), podName(r), pod.path("metadata").path("resourceVersion").asText());
        }
        String name = objectName(r);
        JsonNode obj = read(objectPath(name));
        if (obj == null) return false;
        if (!Objects.equals(PatroniAnnotations.value(r.rel(), obj.path("metadata").path("annotations")),
                expectedValue)) {
            return false;
        }
        ObjectNode ann = PatroniAnnotations.remove(r.rel());
        JsonNode done = patch(r, r.rel().equals("leader") ? releaseSubsets(ann) : body(ann),
                obj.path("metadata").path("resourceVersion").asText());
        if (done != null && r.rel().equals("leader")) {
            synchronized (this) {
                ownedLeader.remove(r.scope());
                acquiredRevision.remove(r.scope());
            }
            observe(r.scope(), done.path("metadata").path("annotations"));
        }
        return done != null;
    }

    @Override
    public boolean deleteIfModRevision(String key, long expectedModRevision) throws DcsException {
        Ref r = ref(key);
        if (isMember(r)) throw new IllegalArgumentException("delete by revision is not used for " + key);
        return patch(r, body(PatroniAnnotations.remove(r.rel())), Long.toString(expectedModRevision)) != null;
    }

    @Override
    public void delete(String key) throws DcsException {
        Ref r = ref(key);
        if (isMember(r)) {
            clearPod(r.scope(), podName(r), null);
            return;
        }
        patch(r, body(PatroniAnnotations.remove(r.rel())), null);
    }

    /** Deletes the cluster's objects (as Patroni: a delete-collection by label selector) and the members' status. */
    @Override
    public void deletePrefix(String prefix) throws DcsException {
        Ref r = ref(prefix);
        String selector = settings.selectorFor(r.scope());
        String path = objectPath(null) + "?labelSelector=" + KubeApi.enc(selector);
        Answer a = api.delete(path);
        if (!a.ok() && a.status() != 404) throw api.error("DELETE", path, a);
        for (JsonNode pod : items(api.list(podPath(null), selector))) {
            if (pod.path("metadata").path("annotations").hasNonNull("status")) {
                clearPod(r.scope(), pod.path("metadata").path("name").asText(), null);
            }
        }
        synchronized (this) {
            observed.remove(r.scope());
            ownedLeader.remove(r.scope());
        }
    }

    // ---- the lock

    /**
     * Takes the lock for {@code name} when it is free (no holder, or a holder whose record this node saw unchanged
     * for its ttl), or renews it when {@code expectedHolder} holds it. The write carries the resourceVersion it was
     * decided on; on a 409 a renewal re-reads once and retries only if the lock is still {@code expectedHolder}'s.
     */
    private boolean acquire(Ref r, String name, String expectedHolder) throws DcsException {
        for (int attempt = 0; attempt < 2; attempt++) {
            JsonNode obj = read(objectPath(leaderName(r.scope())));
            JsonNode ann = obj == null ? null : obj.path("metadata").path("annotations");
            boolean alive = observe(r.scope(), ann);
            String holder = PatroniAnnotations.value("leader", ann);
            boolean renew = holder != null && holder.equals(expectedHolder);
            if (holder != null && alive && !renew) return false;
            if (holder != null && !alive && !renew && expectedHolder != null) return false;
            ObjectNode record = leaderRecord(name, ann, renew);
            JsonNode done;
            if (obj == null) {
                done = createObject(r, leaderName(r.scope()), withSubsets(record, name, r));
            } else {
                done = patch(r, withSubsets(record, name, r), obj.path("metadata").path("resourceVersion").asText());
            }
            if (done != null) {
                synchronized (this) {
                    if (sessionId == null) newSession();
                    if (!name.equals(ownedLeader.get(r.scope()))) {
                        acquiredRevision.put(r.scope(), revision(done));
                        ownedLeader.put(r.scope(), name);
                    }
                }
                observe(r.scope(), done.path("metadata").path("annotations"));
                if (!renew) LOG.debug("took the leader record of {} for {}", r.scope(), name);
                return true;
            }
            if (!renew) return false;  // a lost race is not retried
            LOG.warn("Concurrent update of {}", leaderName(r.scope()));
        }
        return false;
    }

    /** Patroni's leader record: a renewal keeps acquireTime and transitions, a take-over counts one transition. */
    private ObjectNode leaderRecord(String name, JsonNode previous, boolean renew) {
        String now = DcsJson.formatTimestamp(ticker.wallInstant());
        Map<String, String> prev = PatroniAnnotations.leaderRecord(previous);
        ObjectNode a = F.objectNode();
        a.put("leader", name);
        a.put("ttl", Long.toString(ttl.toSeconds()));
        a.put("renewTime", now);
        long transitions;
        try {
            transitions = Long.parseLong(prev.getOrDefault("transitions", "0").strip());
        } catch (NumberFormatException e) {
            transitions = 0;
        }
        boolean sameHolder = name.equals(prev.get("leader"));
        if (!prev.isEmpty() && !sameHolder && !renew) transitions++;
        a.put("acquireTime", sameHolder && prev.get("acquireTime") != null ? prev.get("acquireTime") : now);
        a.put("transitions", Long.toString(transitions));
        return a;
    }

    /**
     * With {@code use_endpoints} the leader Endpoints carry the leader's address ({@code pod_ip}, else its Pod's
     * IP) and {@code ports}, so that a Service without selector routes to the primary.
     */
    private ObjectNode withSubsets(ObjectNode annotations, String leader, Ref r) throws DcsException {
        ObjectNode body = F.objectNode();
        body.set("annotations", annotations);
        if (!settings.useEndpoints()) return body;
        String ip = settings.podIp();
        if (ip == null) {
            JsonNode pod = read(podPath(leader));
            ip = pod == null ? null : pod.path("status").path("podIP").asText(null);
        }
        if (ip == null) return body;
        ArrayNode ports = F.arrayNode();
        for (Map<String, Object> p : settings.ports()) {
            ObjectNode port = ports.addObject();
            p.forEach((k, v) -> {
                if (v instanceof Integer i) port.put(k, i);
                else port.put(k, v.toString());
            });
        }
        ArrayNode subsets = F.arrayNode();
        ObjectNode subset = subsets.addObject();
        subset.putArray("addresses").addObject().put("ip", ip);
        subset.set("ports", ports);
        body.set("subsets", subsets);
        return body;
    }

    private ObjectNode releaseSubsets(ObjectNode annotations) {
        ObjectNode body = F.objectNode();
        body.set("annotations", annotations);
        if (settings.useEndpoints()) body.putArray("subsets");
        return body;
    }

    // ---- object writes

    /**
     * PATCHes the object of {@code r} with {@code content} (annotations, or {@code {annotations, subsets}}), carrying
     * {@code resourceVersion} when given. Returns the object written, or null on 404 or 409.
     */
    private JsonNode patch(Ref r, ObjectNode content, String resourceVersion) throws DcsException {
        String name = objectName(r);
        ObjectNode body = body(r.scope(), name, content, resourceVersion);
        String path = objectPath(name);
        Answer a = api.patch(path, body);
        if (a.ok()) return a.body();
        if (a.status() == 404 || a.status() == 409) return null;
        throw api.error("PATCH", path, a);
    }

    /** Creates the object of {@code r}; on 409 (created meanwhile) {@code thenPatch} patches it unconditionally. */
    private boolean upsertCreate(Ref r, ObjectNode content, boolean thenPatch) throws DcsException {
        if (createObject(r, objectName(r), content) != null) return true;
        if (!thenPatch) return false;
        if (patch(r, content, null) != null) return true;
        throw new DcsException("Kubernetes object " + objectName(r) + " vanished while it was written; try again");
    }

    private static ObjectNode body(ObjectNode annotations) {
        ObjectNode b = F.objectNode();
        b.set("annotations", annotations);
        return b;
    }

    private boolean writeIfAbsent(Ref r, String value) throws DcsException {
        JsonNode obj = read(objectPath(objectName(r)));
        ObjectNode ann = PatroniAnnotations.write(r.rel(), value);
        if (obj == null) return createObject(r, objectName(r), body(ann)) != null;
        if (PatroniAnnotations.value(r.rel(), obj.path("metadata").path("annotations")) != null) return false;
        return patch(r, body(ann), obj.path("metadata").path("resourceVersion").asText()) != null;
    }

    /** POST; null when it exists already (409). With Endpoints the config object gets its headless Service. */
    private JsonNode createObject(Ref r, String name, ObjectNode content) throws DcsException {
        ObjectNode body = body(r.scope(), name, content, null);
        ObjectNode ann = (ObjectNode) body.path("metadata").path("annotations");
        for (Iterator<Map.Entry<String, JsonNode>> it = ann.fields(); it.hasNext(); ) {
            if (it.next().getValue().isNull()) it.remove();
        }
        if (settings.useEndpoints() && name.equals(r.scope() + "-config")) createConfigService(r.scope());
        String path = objectPath(null);
        Answer a = api.create(path, body);
        if (a.ok()) return a.body();
        if (a.status() == 409) return null;
        throw api.error("POST", path, a);
    }

    /** Patroni's headless Service {@code <scope>-config}, without which Kubernetes may clean up its Endpoints. */
    private void createConfigService(String scope) throws DcsException {
        ObjectNode svc = F.objectNode();
        ObjectNode meta = svc.putObject("metadata");
        meta.put("name", scope + "-config").put("namespace", settings.namespace());
        ObjectNode labels = meta.putObject("labels");
        settings.labelsFor(scope).forEach(labels::put);
        svc.putObject("spec").put("clusterIP", "None");
        String path = KubeApi.path(settings.namespace(), "services", null);
        Answer a = api.create(path, svc);
        if (!a.ok() && a.status() != 409 && a.status() != 403) throw api.error("POST", path, a);
    }

    private ObjectNode body(String scope, String name, ObjectNode content, String resourceVersion) {
        ObjectNode body = F.objectNode();
        ObjectNode meta = body.putObject("metadata");
        meta.put("name", name).put("namespace", settings.namespace());
        ObjectNode labels = meta.putObject("labels");
        settings.labelsFor(scope).forEach(labels::put);
        meta.set("annotations", content.get("annotations").deepCopy());
        if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
        if (content.has("subsets")) body.set("subsets", content.get("subsets"));
        return body;
    }

    // ---- members: the Pods' status annotation and role label

    /**
     * Publishes a member on its own Pod: the {@code status} annotation and, in the same PATCH, the role label (and
     * {@code tmp_role_label}, {@code bootstrap_labels}) as Patroni sets them. Null on a 409 when
     * {@code resourceVersion} was given.
     */
    private boolean patchPod(Ref r, String value, String resourceVersion, boolean ephemeral) throws DcsException {
        String pod = podName(r);
        ObjectNode body = F.objectNode();
        ObjectNode meta = body.putObject("metadata");
        meta.put("name", pod).put("namespace", settings.namespace());
        if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
        meta.set("labels", roleLabels(r.scope(), pod, value));
        meta.putObject("annotations").put("status", value);
        String path = podPath(pod);
        Answer a = api.patch(path, body);
        if (a.status() == 404) throw noPod(pod);
        if (a.status() == 409) return false;
        if (!a.ok()) throw api.error("PATCH", path, a);
        if (ephemeral) {
            synchronized (this) {
                ownedPods.add(r.scope() + "/" + pod);
            }
        }
        return true;
    }

    /** Patroni's role label: the lock holder gets the leader value, a running replica the follower value. */
    private ObjectNode roleLabels(String scope, String pod, String memberJson) {
        JsonNode m = PatroniAnnotations.parseObject(memberJson);
        String role = m == null ? null : PatroniAnnotations.text(m, "role");
        String state = m == null ? null : PatroniAnnotations.text(m, "state");
        String label;
        String tmp;
        if (m != null && holdsLock(scope, pod)) {
            label = "standby_leader".equals(role) ? settings.standbyLeaderLabelValue() : settings.leaderLabelValue();
            tmp = "primary";
        } else if ("running".equals(state) && role != null && !Set.of("master", "primary").contains(role)) {
            label = "replica".equals(role) ? settings.followerLabelValue() : role;
            tmp = role;
        } else {
            label = null;
            tmp = null;
        }
        ObjectNode labels = F.objectNode();
        labels.put(settings.roleLabel(), label);
        if (settings.tmpRoleLabel() != null) labels.put(settings.tmpRoleLabel(), tmp);
        boolean bootstrapping = state != null && BOOTSTRAP_STATES.contains(state);
        settings.bootstrapLabels().forEach((k, v) -> labels.put(k, bootstrapping ? v : null));
        return labels;
    }

    private boolean clearPod(String scope, String pod, String resourceVersion) throws DcsException {
        ObjectNode body = F.objectNode();
        ObjectNode meta = body.putObject("metadata");
        meta.put("name", pod);
        if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
        meta.set("labels", roleLabels(scope, pod, null));
        meta.putObject("annotations").putNull("status");
        String path = podPath(pod);
        Answer a = api.patch(path, body);
        synchronized (this) {
            ownedPods.remove(scope + "/" + pod);
        }
        if (a.status() == 404 || a.status() == 409) return false;
        if (!a.ok()) throw api.error("PATCH", path, a);
        return true;
    }

    private DcsException noPod(String pod) {
        return new DcsException("Kubernetes: Pod " + settings.namespace() + "/" + pod + " does not exist: Patroni's"
                + " Kubernetes store publishes each member on its own Pod, so the member name must be the Pod's name");
    }

    // ---- session

    private synchronized void newSession() {
        sessionId = "k8s-" + UUID.randomUUID();
        lastKeepAlive = ticker.nanoTime();
        ownedLeader.clear();
        acquiredRevision.clear();
        ownedPods.clear();
    }

    private synchronized void ensureSession() {
        if (sessionId == null) newSession();
    }

    @Override
    public synchronized String keepAlive() {
        long now = ticker.nanoTime();
        if (sessionId == null || now - lastKeepAlive > ttl.toNanos()) newSession();
        lastKeepAlive = now;
        return sessionId;
    }

    @Override
    public synchronized String sessionId() {
        return sessionId;
    }

    @Override
    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public void setRetryTimeout(Duration retryTimeout) {
        api.setRetryTimeout(retryTimeout);
    }

    /** Releases the lock we hold and removes our members' status annotations (the session's "ephemeral keys"). */
    @Override
    public void closeSession() throws DcsException {
        Map<String, String> leaders;
        List<String> pods;
        synchronized (this) {
            leaders = new HashMap<>(ownedLeader);
            pods = new ArrayList<>(ownedPods);
        }
        for (Map.Entry<String, String> e : leaders.entrySet()) {
            deleteIfValue("/" + e.getKey() + "/leader", e.getValue());
        }
        for (String p : pods) {
            int slash = p.indexOf('/');
            clearPod(p.substring(0, slash), p.substring(slash + 1), null);
        }
        synchronized (this) {
            sessionId = null;
            ownedLeader.clear();
            acquiredRevision.clear();
            ownedPods.clear();
        }
    }

    // ---- watch

    @Override
    public boolean awaitChange(String prefix, long afterRevision, Duration timeout) throws InterruptedException {
        ensureWatcher(ref(prefix).scope());
        Deadline deadline = Deadline.after(ticker, timeout);
        synchronized (changes) {
            while (changeCount <= afterRevision) {
                long ms = deadline.remainingMillis();
                if (ms <= 0) return false;
                changes.wait(ms);
            }
            return true;
        }
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    /** Called by the watcher for every event on the cluster's objects. */
    void changed() {
        synchronized (changes) {
            changeCount++;
            changes.notifyAll();
        }
    }

    private synchronized void ensureWatcher(String scope) {
        if (watcher != null) return;
        watcher = new KubeWatcher(api, objectPath(null), settings.selectorFor(scope), this::changed, sleeper);
        watcher.start();
    }

    /** Fresh lists the watcher made after a 410 (tests). */
    synchronized int watcherRestarts() {
        return watcher == null ? 0 : watcher.restarts();
    }

    @Override
    public void close() {
        KubeWatcher w;
        synchronized (this) {
            w = watcher;
            watcher = null;
        }
        if (w != null) w.stop();
    }
}
