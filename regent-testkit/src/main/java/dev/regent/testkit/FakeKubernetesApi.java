package dev.regent.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process stand-in for the Kubernetes API server's core/v1 REST API, as much of it as Patroni's and Regent's
 * Kubernetes stores use: ConfigMaps, Endpoints, Pods and Services in namespaces; GET (one, list with an equality
 * {@code labelSelector}), POST (409 AlreadyExists), PATCH (JSON merge patch for both merge-patch and
 * strategic-merge-patch content types, which agree for the annotations, labels and lists these stores write) with
 * the {@code metadata.resourceVersion} precondition (409 Conflict), PUT with the same precondition, DELETE (one or a
 * collection by selector), and watches ({@code ?watch=1&resourceVersion=}) streaming newline-separated events, with
 * one cluster-wide resourceVersion counter as etcd gives. {@link #compact} makes older resourceVersions "too old":
 * a watch from one gets an {@code ERROR} event with code 410, as the real server sends; {@link #closeWatches} ends
 * every open watch as a server restart would. {@link #listenAlso} gives the same objects a second address, as a
 * cluster's several API servers share one etcd (for {@code bypass_api_service}, with {@link #putEndpoints} listing
 * the addresses in {@code default/kubernetes}). Plain HTTP, optional bearer token. Thread-safe.
 */
public final class FakeKubernetesApi implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> KINDS = List.of("configmaps", "endpoints", "pods", "services");
    private static final Map<String, String> KIND_NAMES = Map.of("configmaps", "ConfigMap", "endpoints", "Endpoints",
            "pods", "Pod", "services", "Service");

    private record Event(long rv, String kind, String namespace, String type, ObjectNode object) {}

    private final Object lock = new Object();
    private final Map<String, Map<String, ObjectNode>> objects = new TreeMap<>();  // "ns/kind" -> name -> object
    private final List<Event> events = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final String token;
    private long revision = 100;
    private long compactedBelow;
    private int watchGeneration;
    private int failStatus;
    private int failTimes;
    private HttpServer server;
    private ExecutorService executor;
    private int port;
    private final List<Listener> listeners = new ArrayList<>();

    /** A server on a free loopback port; {@code token} non-null requires {@code Authorization: Bearer <token>}. */
    public FakeKubernetesApi(String token) {
        this.token = token;
        start(FreePorts.one());
    }

    /** Base URL, e.g. {@code http://127.0.0.1:32001}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Requests served so far. */
    public int requests() {
        return requests.get();
    }

    /** Stops listening (an outage: connections are refused); the objects are kept for {@link #restart}. */
    public void stop() {
        closeWatches();
        synchronized (lock) {
            if (server != null) server.stop(0);
            server = null;
            if (executor != null) executor.shutdownNow();
        }
    }

    /** Listens again on the same port after {@link #stop}. */
    public void restart() {
        start(port);
    }

    @Override
    public void close() {
        List<Listener> others;
        synchronized (lock) {
            others = List.copyOf(listeners);
        }
        others.forEach(Listener::stop);
        stop();
    }

    /**
     * Another address of this API server, serving the same objects and watches: a second API server instance of one
     * cluster. {@code ip} is a loopback address ({@code 127.0.0.2}, ...: Linux answers on all of 127/8), so that
     * several of them share one {@code port}, as the addresses of one Endpoints subset do. It stops and restarts on
     * its own; {@link #close} stops it too.
     */
    public Listener listenAlso(String ip, int port) {
        Listener l = new Listener(ip, port);
        synchronized (lock) {
            listeners.add(l);
        }
        return l;
    }

    /** A second address of the API server (see {@link #listenAlso}), with its own request count. */
    public final class Listener implements AutoCloseable {
        private final String ip;
        private final int listenerPort;
        private final AtomicInteger served = new AtomicInteger();
        private HttpServer listener;
        private ExecutorService threads;

        private Listener(String ip, int port) {
            this.ip = ip;
            this.listenerPort = port;
            restart();
        }

        /** Base URL, e.g. {@code http://127.0.0.2:32002}. */
        public URI url() {
            return URI.create("http://" + ip + ":" + listenerPort);
        }

        public int port() {
            return listenerPort;
        }

        /** Requests this address served (they count in {@link FakeKubernetesApi#requests} too). */
        public int requests() {
            return served.get();
        }

        /** Listens (again) on its port. */
        public synchronized void restart() {
            if (listener != null) return;
            try {
                listener = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), listenerPort), 50);
            } catch (IOException e) {
                throw new IllegalStateException("fake Kubernetes API cannot listen on " + ip + ":" + listenerPort + ": "
                        + e, e);
            }
            threads = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fake-k8s-api-" + listenerPort);
                t.setDaemon(true);
                return t;
            });
            listener.setExecutor(threads);
            listener.createContext("/", ex -> {
                served.incrementAndGet();
                handle(ex);
            });
            listener.start();
        }

        /** Stops listening: connections to this address are refused (open watches end, on every address). */
        public synchronized void stop() {
            if (listener == null) return;
            closeWatches();
            listener.stop(0);
            threads.shutdownNow();
            listener = null;
        }

        @Override
        public void close() {
            stop();
        }
    }

    /**
     * The {@code kubernetes} Endpoints of namespace {@code default} as the API servers keep it: one subset with
     * {@code addresses} (IPs) and the port named {@code https} (TCP) on {@code port}. An empty list gives a subset-less
     * object, as while no API server is ready.
     */
    public void putEndpoints(List<String> addresses, int port) {
        ObjectNode endpoints = MAPPER.createObjectNode();
        endpoints.putObject("metadata").putObject("labels").put("endpointslice.kubernetes.io/skip-mirror", "true");
        ArrayNode subsets = endpoints.putArray("subsets");
        if (!addresses.isEmpty()) {
            ObjectNode subset = subsets.addObject();
            ArrayNode a = subset.putArray("addresses");
            addresses.forEach(ip -> a.addObject().put("ip", ip));
            subset.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
        }
        put("default", "endpoints", "kubernetes", endpoints);
    }

    /** Stores {@code object} under {@code name} (created or replaced, with a new resourceVersion and an event). */
    public void put(String namespace, String kind, String name, ObjectNode object) {
        synchronized (lock) {
            boolean exists = bucket(namespace, kind).containsKey(name);
            store(namespace, kind, name, object.deepCopy(), exists ? "MODIFIED" : "ADDED");
        }
    }

    /** Removes the object if present (with a DELETED event). */
    public void remove(String namespace, String kind, String name) {
        synchronized (lock) {
            ObjectNode o = bucket(namespace, kind).remove(name);
            if (o != null) record(namespace, kind, "DELETED", o);
        }
    }

    private void start(int p) {
        synchronized (lock) {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 50);
            } catch (IOException e) {
                throw new IllegalStateException("fake Kubernetes API cannot listen on " + p + ": " + e, e);
            }
            executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fake-k8s-api");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.createContext("/", this::handle);
            server.start();
            port = p;
        }
    }

    /** A Pod as a StatefulSet would create it (labels, {@code status.podIP}). */
    public void addPod(String namespace, String name, Map<String, String> labels, String podIp) {
        ObjectNode pod = MAPPER.createObjectNode();
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", name).put("namespace", namespace);
        ObjectNode l = meta.putObject("labels");
        labels.forEach(l::put);
        pod.putObject("spec").put("hostname", name);
        pod.putObject("status").put("podIP", podIp).put("phase", "Running");
        synchronized (lock) {
            store(namespace, "pods", name, pod, "ADDED");
        }
    }

    /** The object, or null. A copy. */
    public ObjectNode get(String namespace, String kind, String name) {
        synchronized (lock) {
            ObjectNode o = bucket(namespace, kind).get(name);
            return o == null ? null : o.deepCopy();
        }
    }

    /**
     * Compacts history at a new revision (as writes to other resources of a real cluster advance it): a watch from
     * any resourceVersion handed out before gets 410; a fresh list gives one that can be watched.
     */
    public void compact() {
        synchronized (lock) {
            compactedBelow = ++revision;
            events.clear();
        }
    }

    /** The next {@code times} requests are answered {@code status} (e.g. 503 of an overloaded server, 403). */
    public void failNext(int status, int times) {
        synchronized (lock) {
            failStatus = status;
            failTimes = times;
        }
    }

    /** Ends every open watch (they reconnect, as after an API server restart). */
    public void closeWatches() {
        synchronized (lock) {
            watchGeneration++;
            lock.notifyAll();
        }
    }

    // ---- HTTP

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            int fail = 0;
            synchronized (lock) {
                if (failTimes > 0) {
                    failTimes--;
                    fail = failStatus;
                }
            }
            if (fail != 0) {
                status(ex, fail, fail == 403 ? "Forbidden" : "ServiceUnavailable", "injected failure " + fail);
                return;
            }
            if (token != null && !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                status(ex, 401, "Unauthorized", "Unauthorized");
                return;
            }
            String[] p = ex.getRequestURI().getRawPath().split("/");
            // /api/v1/namespaces/{ns}/{kind}[/{name}]
            if (p.length < 6 || !"api".equals(p[1]) || !"v1".equals(p[2]) || !"namespaces".equals(p[3])
                    || !KINDS.contains(p[5]) || p.length > 7) {
                status(ex, 404, "NotFound", "the server could not find the requested resource");
                return;
            }
            String ns = decode(p[4]);
            String kind = p[5];
            String name = p.length == 7 ? decode(p[6]) : null;
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            if (name == null && "GET".equals(method) && isTrue(query.get("watch"))) {
                watch(ex, ns, kind, query);
            } else if (name == null && "GET".equals(method)) {
                list(ex, ns, kind, query.get("labelSelector"));
            } else if (name == null && "POST".equals(method)) {
                create(ex, ns, kind, body(ex));
            } else if (name == null && "DELETE".equals(method)) {
                deleteCollection(ex, ns, kind, query.get("labelSelector"));
            } else if (name != null && "GET".equals(method)) {
                ObjectNode o = get(ns, kind, name);
                if (o == null) notFound(ex, kind, name);
                else json(ex, 200, o);
            } else if (name != null && ("PATCH".equals(method) || "PUT".equals(method))) {
                update(ex, ns, kind, name, body(ex), "PUT".equals(method));
            } else if (name != null && "DELETE".equals(method)) {
                delete(ex, ns, kind, name);
            } else {
                status(ex, 405, "MethodNotAllowed", method + " is not supported here");
            }
        } catch (RuntimeException e) {
            status(ex, 500, "InternalError", e.toString());
        }
    }

    private void list(HttpExchange ex, String ns, String kind, String selector) throws IOException {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("kind", KIND_NAMES.get(kind) + "List").put("apiVersion", "v1");
        ArrayNode items;
        synchronized (lock) {
            out.putObject("metadata").put("resourceVersion", Long.toString(revision));
            items = out.putArray("items");
            for (ObjectNode o : bucket(ns, kind).values()) {
                if (matches(o, selector)) items.add(o.deepCopy());
            }
        }
        json(ex, 200, out);
    }

    private void create(HttpExchange ex, String ns, String kind, ObjectNode body) throws IOException {
        String name = body.path("metadata").path("name").asText("");
        if (name.isEmpty()) {
            status(ex, 422, "Invalid", "metadata.name: Required value");
            return;
        }
        ObjectNode stored;
        synchronized (lock) {
            if (bucket(ns, kind).containsKey(name)) {
                status(ex, 409, "AlreadyExists", kind + " \"" + name + "\" already exists");
                return;
            }
            ((ObjectNode) body.get("metadata")).remove("resourceVersion");
            stripNulls(body);
            stored = store(ns, kind, name, body, "ADDED");
        }
        json(ex, 201, stored);
    }

    private void update(HttpExchange ex, String ns, String kind, String name, ObjectNode body, boolean replace)
            throws IOException {
        ObjectNode stored;
        synchronized (lock) {
            ObjectNode current = bucket(ns, kind).get(name);
            if (current == null) {
                notFound(ex, kind, name);
                return;
            }
            JsonNode meta = body.get("metadata");
            String expected = meta != null && meta.hasNonNull("resourceVersion")
                    ? meta.get("resourceVersion").asText() : null;
            if (expected != null && !expected.equals(current.path("metadata").path("resourceVersion").asText())) {
                status(ex, 409, "Conflict", "Operation cannot be fulfilled on " + kind + " \"" + name
                        + "\": the object has been modified; please apply your changes to the latest version and"
                        + " try again");
                return;
            }
            if (meta instanceof ObjectNode m) m.remove("resourceVersion");
            ObjectNode next;
            if (replace) {
                next = body;
                next.withObject("/metadata").set("uid", current.path("metadata").get("uid"));
            } else {
                next = current.deepCopy();
                mergePatch(next, body);
            }
            stripNulls(next);
            stored = store(ns, kind, name, next, "MODIFIED");
        }
        json(ex, 200, stored);
    }

    private void delete(HttpExchange ex, String ns, String kind, String name) throws IOException {
        ObjectNode removed;
        synchronized (lock) {
            removed = bucket(ns, kind).remove(name);
            if (removed != null) record(ns, kind, "DELETED", removed);
        }
        if (removed == null) notFound(ex, kind, name);
        else status(ex, 200, "Success", "deleted");
    }

    private void deleteCollection(HttpExchange ex, String ns, String kind, String selector) throws IOException {
        synchronized (lock) {
            for (Iterator<ObjectNode> it = bucket(ns, kind).values().iterator(); it.hasNext(); ) {
                ObjectNode o = it.next();
                if (matches(o, selector)) {
                    it.remove();
                    record(ns, kind, "DELETED", o);
                }
            }
        }
        status(ex, 200, "Success", "deleted");
    }

    private void watch(HttpExchange ex, String ns, String kind, Map<String, String> query) throws IOException {
        String selector = query.get("labelSelector");
        String rvText = query.getOrDefault("resourceVersion", "");
        long timeoutMs = query.containsKey("timeoutSeconds")
                ? Long.parseLong(query.get("timeoutSeconds")) * 1000 : 600_000;
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        long deadline = System.currentTimeMillis() + timeoutMs;
        List<String> pending = new ArrayList<>();
        long from;
        int generation;
        synchronized (lock) {
            generation = watchGeneration;
            if (rvText.isEmpty() || "0".equals(rvText)) {
                for (ObjectNode o : bucket(ns, kind).values()) {
                    if (matches(o, selector)) pending.add(event("ADDED", o));
                }
                from = revision;
            } else {
                from = Long.parseLong(rvText);
                if (from < compactedBelow) {
                    ObjectNode status = MAPPER.createObjectNode();
                    status.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                            .put("message", "too old resource version: " + from + " (" + revision + ")")
                            .put("reason", "Expired").put("code", 410);
                    ObjectNode e = MAPPER.createObjectNode().put("type", "ERROR");
                    e.set("object", status);
                    pending.add(e.toString());
                    from = Long.MAX_VALUE;
                }
            }
        }
        while (true) {
            for (String line : pending) out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            pending.clear();
            if (from == Long.MAX_VALUE) return;
            synchronized (lock) {
                while (true) {
                    for (Event e : events) {
                        if (e.rv() > from && e.kind().equals(kind) && e.namespace().equals(ns)
                                && matches(e.object(), selector)) {
                            pending.add(event(e.type(), e.object()));
                        }
                    }
                    if (!events.isEmpty()) from = Math.max(from, events.get(events.size() - 1).rv());
                    if (!pending.isEmpty()) break;
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0 || generation != watchGeneration || server == null) return;
                    try {
                        lock.wait(Math.min(left, 1000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    // ---- storage

    private Map<String, ObjectNode> bucket(String ns, String kind) {
        return objects.computeIfAbsent(ns + "/" + kind, k -> new LinkedHashMap<>());
    }

    private ObjectNode store(String ns, String kind, String name, ObjectNode object, String type) {
        ObjectNode meta = object.withObject("/metadata");
        meta.put("name", name).put("namespace", ns);
        if (!meta.hasNonNull("uid")) meta.put("uid", UUID.randomUUID().toString());
        if (!meta.hasNonNull("creationTimestamp")) meta.put("creationTimestamp", Instant.now().toString());
        meta.put("resourceVersion", Long.toString(++revision));
        object.put("kind", KIND_NAMES.get(kind)).put("apiVersion", "v1");
        bucket(ns, kind).put(name, object);
        events.add(new Event(revision, kind, ns, type, object.deepCopy()));
        if (events.size() > 10_000) events.subList(0, 5_000).clear();
        lock.notifyAll();
        return object.deepCopy();
    }

    private void record(String ns, String kind, String type, ObjectNode object) {
        ObjectNode copy = object.deepCopy();
        copy.withObject("/metadata").put("resourceVersion", Long.toString(++revision));
        events.add(new Event(revision, kind, ns, type, copy));
        lock.notifyAll();
    }

    /** RFC 7386: objects merge, null removes, anything else (lists included) replaces. */
    static void mergePatch(ObjectNode target, JsonNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                target.remove(e.getKey());
            } else if (v.isObject() && target.get(e.getKey()) instanceof ObjectNode t) {
                mergePatch(t, v);
            } else {
                target.set(e.getKey(), v.deepCopy());
            }
        });
    }

    private static void stripNulls(ObjectNode o) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) it.remove();
            else if (e.getValue() instanceof ObjectNode child) stripNulls(child);
        }
    }

    /** Equality-based selectors: {@code k=v,k2==v2,k3!=v3}. */
    static boolean matches(JsonNode object, String selector) {
        if (selector == null || selector.isBlank()) return true;
        JsonNode labels = object.path("metadata").path("labels");
        for (String term : selector.split(",")) {
            boolean negate = term.contains("!=");
            String[] kv = term.split(negate ? "!=" : "==?", 2);
            String actual = labels.hasNonNull(kv[0].strip()) ? labels.get(kv[0].strip()).asText() : null;
            String want = kv.length > 1 ? kv[1].strip() : null;
            if (want == null) {
                if (actual == null) return false;
            } else if (negate == want.equals(actual)) {
                return false;
            }
        }
        return true;
    }

    private static String event(String type, ObjectNode object) {
        ObjectNode e = MAPPER.createObjectNode().put("type", type);
        e.set("object", object);
        return e.toString();
    }

    private static ObjectNode body(HttpExchange ex) throws IOException {
        JsonNode n = MAPPER.readTree(ex.getRequestBody());
        if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException("body is not a JSON object");
        return o;
    }

    private static void notFound(HttpExchange ex, String kind, String name) throws IOException {
        status(ex, 404, "NotFound", kind + " \"" + name + "\" not found");
    }

    private static void status(HttpExchange ex, int code, String reason, String message) throws IOException {
        ObjectNode s = MAPPER.createObjectNode();
        s.put("kind", "Status").put("apiVersion", "v1").put("status", code < 400 ? "Success" : "Failure")
                .put("message", message).put("reason", reason).put("code", code);
        json(ex, code, s);
    }

    private static void json(HttpExchange ex, int code, JsonNode body) throws IOException {
        byte[] bytes = MAPPER.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) return q;
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            q.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static boolean isTrue(String v) {
        return v != null && List.of("1", "true").contains(v.toLowerCase());
    }
}
