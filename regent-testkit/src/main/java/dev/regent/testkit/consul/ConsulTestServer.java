package dev.regent.testkit.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.regent.testkit.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for a Consul agent (and its servers) speaking the documented HTTP API that Patroni's
 * {@code consul} module (python-consul) and Regent's Consul store use. No Consul binary can be installed here, so its
 * fidelity is kept honest by running Debian's Patroni 3.0.2 against it.
 *
 * <ul>
 *   <li>KV ({@code /v1/kv/<key>}): GET (one key, {@code recurse}, {@code keys}, {@code raw}), PUT ({@code cas},
 *       {@code acquire}, {@code release}, {@code flags}; acquire wins over cas, as in Consul), DELETE
 *       ({@code recurse}, {@code cas}); base64 values; {@code X-Consul-Index} as Consul computes it (a present key: its
 *       ModifyIndex; a prefix: the highest ModifyIndex or tombstone under it; otherwise the table index); blocking
 *       queries with {@code index} and {@code wait} (default 5 min, at most 10 min, plus up to wait/16 of jitter).</li>
 *   <li>Sessions ({@code /v1/session/create|renew|destroy|info|list}): TTL within [{@code session_ttl_min}, 24h],
 *       invalidated between TTL and 2 x TTL after the last renewal (by default exactly 2 x TTL, as the agent does;
 *       {@link #ttlMultiplier} spreads it), behavior {@code release}/{@code delete}, lock-delay (default 15 s),
 *       checks (invalidated when one goes critical or is deregistered).</li>
 *   <li>Agent: {@code /v1/agent/self}, service register/deregister with an HTTP or TTL check that this server runs,
 *       {@code /v1/agent/services}, {@code /v1/agent/checks}, check register/pass/warn/fail/deregister,
 *       {@code /v1/health/service/<name>}, {@code /v1/status/leader}.</li>
 *   <li>ACL token ({@code X-Consul-Token}, {@code ?token=}, {@code Authorization: Bearer}) when one is required,
 *       datacenter ({@code ?dc=}), consistency modes accepted.</li>
 * </ul>
 * {@link #stop()} and {@link #restart()} simulate an agent outage: the port refuses connections, while the servers'
 * state (and session timers) carry on, as they would on a real cluster.
 */
public final class ConsulTestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String DATACENTER = "dc1";

    private final ConsulState state = new ConsulState("regent-test-consul");
    private final int port;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r,
            "consul-test-timers"));
    private final HttpClient checker = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, ObjectNode> services = new LinkedHashMap<>();  // guarded by itself
    private final Map<String, HttpCheck> httpChecks = new LinkedHashMap<>();  // guarded by services
    private volatile String requiredToken;
    private final java.util.concurrent.atomic.AtomicInteger refuseRegistrations =
            new java.util.concurrent.atomic.AtomicInteger();
    private javax.net.ssl.SSLContext tls;  // null: plain HTTP
    private boolean needClientAuth;
    private HttpServer server;
    private ExecutorService pool;

    /** An HTTP check of a registered service: where, how often, and when it is due. */
    private static final class HttpCheck {
        final String checkId;
        final String serviceId;
        final URI url;
        final Duration interval;
        final Duration deregisterAfter;
        long dueNanos;
        long criticalSinceNanos = -1;

        HttpCheck(String checkId, String serviceId, URI url, Duration interval, Duration deregisterAfter) {
            this.checkId = checkId;
            this.serviceId = serviceId;
            this.url = url;
            this.interval = interval;
            this.deregisterAfter = deregisterAfter;
        }
    }

    private ConsulTestServer(int port) {
        this.port = port;
    }

    /** A started server on a free loopback port. */
    public static ConsulTestServer start(Duration sessionTtlMin) {
        ConsulTestServer s = new ConsulTestServer(FreePorts.one());
        s.state.setSessionTtlMin(sessionTtlMin);
        s.timers.scheduleWithFixedDelay(s::tick, 50, 50, TimeUnit.MILLISECONDS);
        s.restart();
        return s;
    }

    /**
     * A started HTTPS server presenting {@code serverCert}/{@code serverKey} (PEM); with {@code clientCa}, clients
     * must present a certificate signed by it (Consul's {@code verify_incoming}).
     */
    public static ConsulTestServer startHttps(Duration sessionTtlMin, java.nio.file.Path serverCert,
                                              java.nio.file.Path serverKey, java.nio.file.Path clientCa) {
        ConsulTestServer s = new ConsulTestServer(FreePorts.one());
        try {
            char[] pw = "consul".toCharArray();
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(dev.regent.dcs.tls.PemTls.keyStore(serverCert, serverKey, null, pw), pw);
            javax.net.ssl.TrustManagerFactory tmf = null;
            if (clientCa != null) {
                tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(dev.regent.dcs.tls.PemTls.trustStore(clientCa));
            }
            s.tls = javax.net.ssl.SSLContext.getInstance("TLS");
            s.tls.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            s.needClientAuth = clientCa != null;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Consul test server TLS: " + e, e);
        }
        s.state.setSessionTtlMin(sessionTtlMin);
        s.timers.scheduleWithFixedDelay(s::tick, 50, 50, TimeUnit.MILLISECONDS);
        s.restart();
        return s;
    }

    /** A started server with Consul's default {@code session_ttl_min} of 10 s. */
    public static ConsulTestServer start() {
        return start(Duration.ofSeconds(10));
    }

    /** Sessions are invalidated {@code low..high} x TTL after their last renewal (Consul: 1 <= low <= high <= 2). */
    public ConsulTestServer ttlMultiplier(double low, double high) {
        state.setTtlMultiplier(low, high);
        return this;
    }

    /** Require this ACL token on every request (null: no ACLs). */
    public ConsulTestServer requireToken(String token) {
        this.requiredToken = token;
        return this;
    }

    /** The next {@code n} service registrations are refused (HTTP 400), as an agent refusing a bad definition. */
    public ConsulTestServer refuseServiceRegistrations(int n) {
        refuseRegistrations.set(n);
        return this;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public String url() {
        return (tls == null ? "http://" : "https://") + hostPort();
    }

    /** (Re)opens the port: the agent comes back with the state it had. */
    public synchronized void restart() {
        if (server != null) return;
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            if (tls == null) {
                server = HttpServer.create(address, 64);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 64);
                boolean clientAuth = needClientAuth;
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                    @Override
                    public void configure(com.sun.net.httpserver.HttpsParameters params) {
                        javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                        p.setNeedClientAuth(clientAuth);
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            }
        } catch (IOException e) {
            throw new IllegalStateException("Consul test server cannot listen on " + port + ": " + e, e);
        }
        pool = Executors.newCachedThreadPool(r -> daemon(r, "consul-test-http"));
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Closes the port (an agent outage); sessions keep running out on the servers meanwhile. */
    public synchronized void stop() {
        if (server == null) return;
        server.stop(0);
        pool.shutdownNow();
        server = null;
    }

    @Override
    public void close() {
        stop();
        timers.shutdownNow();
    }

    // ---- views for tests

    /** The current value of {@code key} (no leading slash), or null. */
    public String value(String key) {
        ConsulState.Read r = state.read(key, false);
        return r.entries().isEmpty() ? null : r.entries().get(0).text();
    }

    /** The session holding {@code key}, or null. */
    public String sessionOf(String key) {
        ConsulState.Read r = state.read(key, false);
        return r.entries().isEmpty() ? null : r.entries().get(0).session();
    }

    /** Ids of the live sessions. */
    public List<String> sessionIds() {
        return state.sessions().stream().map(s -> s.id).toList();
    }

    /** The TTL a live session was created with, or null. */
    public Duration sessionTtl(String id) {
        ConsulState.Session s = state.session(id);
        return s == null ? null : s.ttl;
    }

    /** Name, behavior and lock-delay of a live session as {@code name/behavior/lockDelay}, or null. */
    public String sessionSummary(String id) {
        ConsulState.Session s = state.session(id);
        return s == null ? null : s.name + "/" + s.behavior + "/" + s.lockDelay.toMillis() + "ms";
    }

    /** The registered service {@code id} as the agent lists it, or null. */
    public JsonNode service(String id) {
        synchronized (services) {
            ObjectNode s = services.get(id);
            return s == null ? null : s.deepCopy();
        }
    }

    /** Status of check {@code id} ({@code passing}, {@code warning}, {@code critical}), or null. */
    public String checkStatus(String id) {
        ConsulState.Check c = state.check(id);
        return c == null ? null : c.status;
    }

    // ---- timers

    private void tick() {
        try {
            state.tick();
            runHttpChecks();
        } catch (RuntimeException e) {
            System.err.println("consul test server tick failed: " + e);
        }
    }

    private void runHttpChecks() {
        List<HttpCheck> due = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (services) {
            for (HttpCheck c : httpChecks.values()) {
                if (now >= c.dueNanos) {
                    c.dueNanos = now + c.interval.toNanos();
                    due.add(c);
                }
            }
        }
        for (HttpCheck c : due) {
            checker.sendAsync(HttpRequest.newBuilder(c.url).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                        String status = e != null ? "critical" : r.statusCode() / 100 == 2 ? "passing"
                                : r.statusCode() == 429 ? "warning" : "critical";
                        String output = e != null ? "Get \"" + c.url + "\": " + e : "HTTP GET " + c.url + ": "
                                + r.statusCode();
                        checkResult(c, status, output);
                    });
        }
    }

    private void checkResult(HttpCheck c, String status, String output) {
        boolean deregister = false;
        synchronized (services) {
            if (httpChecks.get(c.checkId) != c) return;  // deregistered meanwhile
            if (status.equals("critical")) {
                if (c.criticalSinceNanos < 0) c.criticalSinceNanos = System.nanoTime();
                deregister = c.deregisterAfter != null
                        && System.nanoTime() - c.criticalSinceNanos >= c.deregisterAfter.toNanos();
            } else {
                c.criticalSinceNanos = -1;
            }
        }
        try {
            state.setCheckStatus(c.checkId, status, output);
        } catch (ConsulState.ApiError e) {
            return;
        }
        if (deregister) deregisterService(c.serviceId);
    }

    // ---- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String token = ex.getRequestHeaders().getFirst("X-Consul-Token");
            if (token == null && q.containsKey("token")) token = q.get("token");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (token == null && auth != null && auth.startsWith("Bearer ")) token = auth.substring(7);
            String required = requiredToken;
            if (required != null && !required.equals(token)) {
                send(ex, 403, "text/plain", token == null ? "Permission denied" : "ACL not found", -1);
                return;
            }
            if (q.containsKey("dc") && !q.get("dc").equals(DATACENTER)) {
                send(ex, 500, "text/plain", "No path to datacenter", -1);
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            try {
                route(ex, method, path, q);
            } catch (ConsulState.ApiError e) {
                send(ex, e.status, "text/plain", e.getMessage(), -1);
            } catch (IllegalArgumentException e) {
                send(ex, 400, "text/plain", e.getMessage(), -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void route(HttpExchange ex, String method, String path, Map<String, String> q)
            throws IOException, InterruptedException {
        if (path.startsWith("/v1/kv/")) {
            String key = decode(path.substring("/v1/kv/".length()));
            switch (method) {
                case "GET" -> kvGet(ex, key, q);
                case "PUT", "POST" -> kvPut(ex, key, q);
                case "DELETE" -> json(ex, state.delete(key, q.containsKey("recurse"), longParam(q, "cas")),
                        state.read(key, q.containsKey("recurse")).index());
                default -> methodNotAllowed(ex);
            }
        } else if (path.startsWith("/v1/session/")) {
            session(ex, method, path.substring("/v1/session/".length()), q);
        } else if (path.startsWith("/v1/agent/")) {
            agent(ex, method, path.substring("/v1/agent/".length()));
        } else if (path.startsWith("/v1/health/service/") && method.equals("GET")) {
            health(ex, decode(path.substring("/v1/health/service/".length())), q.containsKey("passing"));
        } else if (path.equals("/v1/status/leader")) {
            json(ex, "127.0.0.1:8300", -1);
        } else if (path.equals("/v1/status/peers")) {
            json(ex, List.of("127.0.0.1:8300"), -1);
        } else {
            send(ex, 404, "text/plain", "Not Found", -1);
        }
    }

    private void kvGet(HttpExchange ex, String key, Map<String, String> q) throws IOException, InterruptedException {
        boolean recurse = q.containsKey("recurse") || q.containsKey("keys");
        Long minIndex = longParam(q, "index");
        ConsulState.Read r;
        if (minIndex != null && minIndex > 0) {
            Duration wait = q.containsKey("wait") ? GoDuration.parse(q.get("wait")) : Duration.ofMinutes(5);
            if (wait.compareTo(Duration.ofMinutes(10)) > 0) wait = Duration.ofMinutes(10);
            long jitter = wait.toNanos() / 16 == 0 ? 0 : ThreadLocalRandom.current().nextLong(wait.toNanos() / 16);
            r = state.await(key, recurse, minIndex, System.nanoTime() + wait.toNanos() + jitter);
        } else {
            r = state.read(key, recurse);
        }
        if (r.entries().isEmpty()) {
            send(ex, 404, "text/plain", "", r.index());
            return;
        }
        if (q.containsKey("keys")) {
            json(ex, r.entries().stream().map(ConsulState.Entry::key).toList(), r.index());
        } else if (q.containsKey("raw") && !recurse) {
            send(ex, 200, "text/plain; charset=utf-8", r.entries().get(0).text(), r.index());
        } else {
            ArrayNode out = JSON.createArrayNode();
            for (ConsulState.Entry e : r.entries()) {
                ObjectNode n = out.addObject();
                n.put("LockIndex", e.lockIndex()).put("Key", e.key()).put("Flags", e.flags());
                if (e.value() == null || e.value().length == 0) {
                    n.putNull("Value");
                } else {
                    n.put("Value", Base64.getEncoder().encodeToString(e.value()));
                }
                if (e.session() != null) n.put("Session", e.session());
                n.put("CreateIndex", e.createIndex()).put("ModifyIndex", e.modifyIndex());
            }
            json(ex, out, r.index());
        }
    }

    private void kvPut(HttpExchange ex, String key, Map<String, String> q) throws IOException {
        if (key.isEmpty()) throw new IllegalArgumentException("Missing key name");
        byte[] body = body(ex);
        Long flags = longParam(q, "flags");
        boolean ok = state.put(key, body, flags == null ? 0 : flags, q.containsKey("cas") ? longParam(q, "cas") : null,
                q.get("acquire"), q.get("release"));
        json(ex, ok, state.index());
    }

    private void session(HttpExchange ex, String method, String rest, Map<String, String> q) throws IOException {
        if (rest.equals("create") && method.equals("PUT")) {
            JsonNode b = jsonBody(ex);
            List<String> checkIds = new ArrayList<>();
            JsonNode c = field(b, "NodeChecks");
            if (c == null) c = field(b, "Checks");
            if (c == null) {
                checkIds.add(ConsulState.SERF_HEALTH);  // Consul's default
            } else {
                c.forEach(n -> checkIds.add(n.asText()));
            }
            JsonNode sc = field(b, "ServiceChecks");
            if (sc != null) sc.forEach(n -> checkIds.add(n.path("ID").asText(n.path("id").asText())));
            Duration lockDelay = duration(field(b, "LockDelay"), Duration.ofSeconds(15));
            JsonNode beh = field(b, "Behavior");
            Duration ttl = duration(field(b, "TTL"), null);
            ConsulState.Session s = state.createSession(text(field(b, "Name")), text(field(b, "Node")), checkIds,
                    lockDelay, beh == null || beh.asText().isEmpty() ? "release" : beh.asText(), ttl);
            json(ex, JSON.createObjectNode().put("ID", s.id), state.index());
        } else if (rest.startsWith("renew/") && method.equals("PUT")) {
            String id = decode(rest.substring("renew/".length()));
            ConsulState.Session s = state.renew(id);
            if (s == null) {
                send(ex, 404, "text/plain", "Session id '" + id + "' not found", state.index());
            } else {
                json(ex, JSON.createArrayNode().add(sessionJson(s)), state.index());
            }
        } else if (rest.startsWith("destroy/") && method.equals("PUT")) {
            state.destroy(decode(rest.substring("destroy/".length())));
            json(ex, true, state.index());
        } else if (rest.startsWith("info/") && method.equals("GET")) {
            ConsulState.Session s = state.session(decode(rest.substring("info/".length())));
            ArrayNode out = JSON.createArrayNode();
            if (s != null) out.add(sessionJson(s));
            json(ex, out, state.index());
        } else if (rest.equals("list") && method.equals("GET")) {
            ArrayNode out = JSON.createArrayNode();
            for (ConsulState.Session s : state.sessions()) out.add(sessionJson(s));
            json(ex, out, state.index());
        } else {
            methodNotAllowed(ex);
        }
    }

    private ObjectNode sessionJson(ConsulState.Session s) {
        ObjectNode n = JSON.createObjectNode().put("ID", s.id).put("Name", s.name == null ? "" : s.name)
                .put("Node", s.node).put("LockDelay", s.lockDelay.toNanos()).put("Behavior", s.behavior)
                .put("TTL", s.ttl.isZero() ? "" : GoDuration.format(s.ttl));
        ArrayNode checks = n.putArray("NodeChecks");
        s.checks.forEach(checks::add);
        n.put("CreateIndex", s.createIndex).put("ModifyIndex", s.createIndex);
        return n;
    }

    private void agent(HttpExchange ex, String method, String rest) throws IOException {
        if (rest.equals("self") && method.equals("GET")) {
            ObjectNode n = JSON.createObjectNode();
            n.putObject("Config").put("Datacenter", DATACENTER).put("NodeName", state.node()).put("Server", true)
                    .put("Version", "1.17.0-regent-test");
            n.putObject("DebugConfig").put("SessionTTLMin", GoDuration.format(state.sessionTtlMin()));
            n.putObject("Member").put("Name", state.node()).put("Addr", "127.0.0.1").put("Status", 1);
            json(ex, n, -1);
        } else if (rest.equals("service/register") && method.equals("PUT")) {
            if (refuseRegistrations.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalArgumentException("Invalid service definition (refused by the test)");
            }
            registerService(jsonBody(ex));
            send(ex, 200, "text/plain", "", -1);
        } else if (rest.startsWith("service/deregister/") && method.equals("PUT")) {
            String id = decode(rest.substring("service/deregister/".length()));
            if (!deregisterService(id)) {
                send(ex, 404, "text/plain", "Unknown service ID \"" + id + "\". Ensure that the service ID is passed,"
                        + " not the service name.", -1);
            } else {
                send(ex, 200, "text/plain", "", -1);
            }
        } else if (rest.equals("services") && method.equals("GET")) {
            ObjectNode out = JSON.createObjectNode();
            synchronized (services) {
                services.forEach((id, s) -> out.set(id, s.deepCopy()));
            }
            json(ex, out, -1);
        } else if (rest.equals("checks") && method.equals("GET")) {
            ObjectNode out = JSON.createObjectNode();
            for (ConsulState.Check c : state.checks()) {
                if (c.id.equals(ConsulState.SERF_HEALTH)) continue;
                out.set(c.id, checkJson(c));
            }
            json(ex, out, -1);
        } else if (rest.equals("check/register") && method.equals("PUT")) {
            JsonNode b = jsonBody(ex);
            String name = text(field(b, "Name"));
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("Missing check name");
            String id = text(field(b, "ID"));
            ConsulState.Check c = new ConsulState.Check(id == null || id.isEmpty() ? name : id, name, "",
                    text(field(b, "Status")) == null ? "critical" : text(field(b, "Status")));
            Duration ttl = duration(field(b, "TTL"), null);
            if (ttl == null) {
                throw new IllegalArgumentException("Invalid check: only TTL checks can be registered here");
            }
            c.ttl = ttl;
            c.ttlDeadlineNanos = System.nanoTime() + ttl.toNanos();
            state.putCheck(c);
            send(ex, 200, "text/plain", "", -1);
        } else if (rest.startsWith("check/deregister/") && method.equals("PUT")) {
            state.removeCheck(decode(rest.substring("check/deregister/".length())));
            send(ex, 200, "text/plain", "", -1);
        } else if (rest.matches("check/(pass|warn|fail)/.+") && method.equals("PUT")) {
            String verb = rest.substring(6, 10);
            String id = decode(rest.substring(rest.indexOf('/', 6) + 1));
            state.setCheckStatus(id, verb.equals("pass") ? "passing" : verb.equals("warn") ? "warning" : "critical",
                    null);
            send(ex, 200, "text/plain", "", -1);
        } else {
            methodNotAllowed(ex);
        }
    }

    private void registerService(JsonNode b) {
        String name = text(field(b, "Name"));
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("Missing service name");
        String id = text(field(b, "ID"));
        if (id == null || id.isEmpty()) id = name;
        ObjectNode s = JSON.createObjectNode().put("ID", id).put("Service", name);
        ArrayNode tags = s.putArray("Tags");
        JsonNode t = field(b, "Tags");
        if (t != null) t.forEach(n -> tags.add(n.asText()));
        s.putObject("Meta");
        s.put("Port", field(b, "Port") == null ? 0 : field(b, "Port").asInt());
        s.put("Address", text(field(b, "Address")) == null ? "" : text(field(b, "Address")));
        JsonNode eto = field(b, "EnableTagOverride");
        s.put("EnableTagOverride", eto != null && eto.asBoolean());
        s.put("Datacenter", DATACENTER);
        JsonNode check = field(b, "Check");
        HttpCheck http = null;
        String checkId = "service:" + id;
        ConsulState.Check stateCheck = null;
        if (check != null && !check.isNull()) {
            String url = text(field(check, "HTTP"));
            Duration ttl = duration(field(check, "TTL"), null);
            if (url != null && !url.isEmpty()) {
                Duration interval = duration(field(check, "Interval"), null);
                if (interval == null || interval.isZero()) {
                    throw new IllegalArgumentException("Invalid check: Interval must be > 0 for HTTP checks");
                }
                http = new HttpCheck(checkId, id, URI.create(url), interval,
                        duration(field(check, "DeregisterCriticalServiceAfter"), null));
                JsonNode tls = field(check, "TLSServerName");
                if (tls != null) s.put("CheckTLSServerName", tls.asText());  // kept for tests to read
                s.put("CheckHTTP", url).put("CheckInterval", GoDuration.format(interval));
                JsonNode dereg = field(check, "DeregisterCriticalServiceAfter");
                if (dereg != null) s.put("CheckDeregisterCriticalServiceAfter", dereg.asText());
            } else if (ttl == null) {
                throw new IllegalArgumentException("Invalid check: TTL must be > 0 for TTL checks");
            }
            stateCheck = new ConsulState.Check(checkId, "Service '" + name + "' check", id, "critical");
            if (ttl != null) {
                stateCheck.ttl = ttl;
                stateCheck.ttlDeadlineNanos = System.nanoTime() + ttl.toNanos();
            }
        }
        synchronized (services) {
            services.put(id, s);
            httpChecks.remove(checkId);
            if (http != null) httpChecks.put(checkId, http);
        }
        if (stateCheck != null) {
            ConsulState.Check old = state.check(checkId);
            if (old != null) stateCheck.status = old.status;  // re-registration keeps the check's last result
            state.putCheck(stateCheck);
        }
    }

    private boolean deregisterService(String id) {
        synchronized (services) {
            if (services.remove(id) == null) return false;
            httpChecks.remove("service:" + id);
        }
        state.removeCheck("service:" + id);
        return true;
    }

    private ObjectNode checkJson(ConsulState.Check c) {
        ObjectNode n = JSON.createObjectNode().put("Node", state.node()).put("CheckID", c.id).put("Name", c.name)
                .put("Status", c.status).put("Output", c.output).put("ServiceID", c.serviceId);
        synchronized (services) {
            ObjectNode s = services.get(c.serviceId);
            n.put("ServiceName", s == null ? "" : s.path("Service").asText());
        }
        return n.put("Type", httpChecks.containsKey(c.id) ? "http" : "ttl");
    }

    private void health(HttpExchange ex, String name, boolean passingOnly) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        List<ObjectNode> matching = new ArrayList<>();
        synchronized (services) {
            for (ObjectNode s : services.values()) if (s.path("Service").asText().equals(name)) matching.add(s);
        }
        for (ObjectNode s : matching) {
            ConsulState.Check c = state.check("service:" + s.path("ID").asText());
            if (passingOnly && c != null && !c.status.equals("passing")) continue;
            ObjectNode n = out.addObject();
            n.putObject("Node").put("Node", state.node()).put("Address", "127.0.0.1").put("Datacenter", DATACENTER);
            n.set("Service", s.deepCopy());
            ArrayNode checks = n.putArray("Checks");
            if (c != null) checks.add(checkJson(c));
        }
        json(ex, out, state.index());
    }

    // ---- plumbing

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = decode(eq < 0 ? part : part.substring(0, eq));
            String v = eq < 0 ? "" : decode(part.substring(eq + 1));
            q.put(k, v);
        }
        return q;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Long longParam(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) return null;
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid " + name + " value '" + v + "'");
        }
    }

    /** A JSON field by name, ignoring case (Go's encoding/json matches field names so). */
    private static JsonNode field(JsonNode n, String name) {
        if (n == null || !n.isObject()) return null;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Duration duration(JsonNode n, Duration absent) {
        if (n == null || n.isNull()) return absent;
        if (n.isNumber()) return Duration.ofNanos(n.asLong());
        if (n.asText().isEmpty()) return absent;
        return GoDuration.parse(n.asText());
    }

    private static byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static JsonNode jsonBody(HttpExchange ex) throws IOException {
        byte[] b = body(ex);
        if (b.length == 0) return JSON.createObjectNode();
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new IllegalArgumentException("Request decode failed: " + e.getMessage());
        }
    }

    private static void methodNotAllowed(HttpExchange ex) throws IOException {
        send(ex, 405, "text/plain", "method " + ex.getRequestMethod() + " not allowed", -1);
    }

    private static void json(HttpExchange ex, Object value, long index) throws IOException {
        send(ex, 200, "application/json", JSON.writeValueAsString(value), index);
    }

    private static void send(HttpExchange ex, int status, String type, String body, long index) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if (index >= 0) {
            ex.getResponseHeaders().set("X-Consul-Index", Long.toString(index));
            ex.getResponseHeaders().set("X-Consul-KnownLeader", "true");
            ex.getResponseHeaders().set("X-Consul-LastContact", "0");
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public String toString() {
        return "ConsulTestServer[" + url() + "]";
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
