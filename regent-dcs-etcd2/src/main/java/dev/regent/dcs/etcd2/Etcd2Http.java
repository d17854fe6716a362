package dev.regent.dcs.etcd2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.http.BoundedHttp;
import dev.regent.dcs.tls.TlsFailures;
import dev.regent.time.RetryPolicy;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP calls to etcd's v2 key space ({@code /v2/keys/...}) with host failover, per-request timeouts, retries within
 * the retry timeout and basic authentication. Thread-safe; every call blocks for at most the retry timeout (watches
 * for their own timeout).
 */
final class Etcd2Http {
    private static final Logger LOG = LoggerFactory.getLogger(Etcd2Http.class);
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final long MIN_REQUEST_MILLIS = 1000;
    private static final Duration ROUND_PAUSE = Duration.ofMillis(200);
    /** etcd's v2 error codes Regent acts on (etcd's {@code error/error.go}). */
    static final int KEY_NOT_FOUND = 100;
    static final int COMPARE_FAILED = 101;
    static final int NODE_EXIST = 105;
    static final int EVENT_INDEX_CLEARED = 401;

    /** One answer of etcd: the HTTP status, its JSON body and the {@code X-Etcd-Index} header (0 when absent). */
    record Answer(int status, JsonNode body, long etcdIndex) {
        int errorCode() {
            return body.path("errorCode").asInt(0);
        }

        boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient http;
    private static final Duration DISCOVERY_INTERVAL = Duration.ofMinutes(5);
    private final List<URI> configured;
    private final boolean discover;
    private volatile List<URI> endpoints;
    private volatile long discoveredAtNanos;
    private final String authorization;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private volatile int current;
    private volatile Duration retryTimeout;

    Etcd2Http(Etcd2Config config, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        if (config.tls() != null) b.sslContext(config.tls());
        this.http = b.build();
        this.configured = config.endpoints();
        this.endpoints = configured;
        this.discover = !config.useProxies();
        this.authorization = config.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
        this.retryTimeout = retryTimeout;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    void setRetryTimeout(Duration retryTimeout) {
        this.retryTimeout = retryTimeout;
    }

    List<URI> endpoints() {
        return endpoints;
    }

    private URI currentEndpoint() {
        List<URI> list = endpoints;
        return list.get(Math.floorMod(current, list.size()));
    }

    private void nextEndpoint() {
        current = Math.floorMod(current + 1, endpoints.size());
    }

    /**
     * Patroni's member discovery ({@code use_proxies: false}): asks the hosts in turn for {@code /v2/machines}, the
     * client URLs of the etcd cluster's members, and talks to those, then to the configured hosts not among them.
     * Best effort: an unreachable or silent cluster leaves the list as it is.
     */
    void discoverMembers() throws InterruptedException {
        if (!discover) return;
        discoveredAtNanos = ticker.nanoTime();
        for (URI base : endpoints) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v2/machines"))
                        .timeout(CONNECT_TIMEOUT.multipliedBy(2)).GET();
                if (authorization != null) b.header("Authorization", authorization);
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) continue;
                java.util.LinkedHashSet<URI> found = new java.util.LinkedHashSet<>();
                for (String u : r.body().split(",")) {
                    String url = u.strip();
                    if (url.startsWith("http://") || url.startsWith("https://")) {
                        found.add(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url));
                    }
                }
                if (found.isEmpty()) continue;
                found.addAll(configured);
                List<URI> list = List.copyOf(found);
                if (!list.equals(endpoints)) LOG.debug("Retrieved list of etcd machines: {}", list);
                endpoints = list;
                return;
            } catch (IOException | IllegalArgumentException e) {
                LOG.debug("etcd {} did not list the cluster's members: {}", base, e.toString());
            }
        }
    }

    /** Per-request timeout: a third of the retry budget (1..5 s) so that a hung host leaves time for the next. */
    static Duration requestTimeout(Duration retryTimeout) {
        return Duration.ofMillis(Math.max(MIN_REQUEST_MILLIS, Math.min(5000, retryTimeout.toMillis() / 3)));
    }

    private RetryPolicy retryPolicy() {
        Duration budget = retryTimeout;
        return RetryPolicy.within(budget).withRoundSize(endpoints.size()).withBackoff(ROUND_PAUSE)
                .withAttemptTimeout(Duration.ofMillis(MIN_REQUEST_MILLIS), requestTimeout(budget));
    }

    /**
     * One request on {@code key} ({@code GET}, {@code PUT} or {@code DELETE}); {@code params} go into the query
     * ({@code GET}, {@code DELETE}) or the form body ({@code PUT}). etcd's own errors (key not found, compare failed,
     * ...) are returned as answers; unreachable hosts and etcd's transient errors are retried on the next host
     * within the retry timeout, then reported as {@link DcsException}.
     */
    Answer call(String method, String key, Map<String, String> params) throws DcsException {
        RetryPolicy policy = retryPolicy();
        boolean[] failed = {false};
        try {
            Answer a = policy.run(ticker, sleeper, t -> {
                RetryPolicy.Outcome<Answer> o = attempt(method, key, params, t.timeout());
                if (o instanceof RetryPolicy.Outcome.Retry<Answer>) failed[0] = true;
                return o;
            }, last -> new DcsException("etcd not reachable within retry_timeout " + policy.budget() + " (hosts "
                    + endpoints + "); last error: " + last.reason()));
            // as Patroni: the member list is read again after a host failed, and every few minutes
            if (discover && (failed[0] || ticker.nanoTime() - discoveredAtNanos > DISCOVERY_INTERVAL.toNanos())) {
                discoverMembers();
            }
            return a;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted calling etcd " + method + " " + key, e);
        }
    }

    private RetryPolicy.Outcome<Answer> attempt(String method, String key, Map<String, String> params,
                                                Duration timeout) throws DcsException, InterruptedException {
        URI base = currentEndpoint();
        String lastError;
        try {
            Answer a = send(base, method, key, params, timeout);
            if (!isTransient(a)) return RetryPolicy.Outcome.done(a);
            lastError = base + ": HTTP " + a.status() + " " + a.body().path("message").asText(a.body().toString());
        } catch (HttpTimeoutException e) {
            lastError = base + ": no answer within " + timeout.toMillis() + " ms";
        } catch (IOException e) {
            lastError = base + ": " + describe(base, e);
        }
        if (endpoints.size() > 1) {
            LOG.debug("etcd request {} {} failed on {}, trying the next host", method, key, lastError);
            nextEndpoint();
        }
        return RetryPolicy.Outcome.retry(lastError, null);
    }

    /**
     * Asks each host once ({@code GET /v2/keys/}, no retries) until one answers. Throws when that host does not
     * serve the v2 API; an unreachable host is skipped, and none answering is left to later calls' retries.
     */
    void checkV2Api(Duration timeout) throws Etcd2ApiMissingException, InterruptedException {
        for (URI base : endpoints) {
            try {
                send(base, "GET", "/", Map.of(), timeout);
                return;  // a v2 answer (even an error): the API is there
            } catch (Etcd2ApiMissingException e) {
                throw e;
            } catch (IOException | DcsException e) {
                LOG.debug("etcd {} not checked at start-up: {}", base, e.toString());
            }
        }
    }

    /**
     * A long poll: {@code GET key?wait=true&...} answered when an event arrives. Returns null when {@code timeout}
     * passes first; throws {@link IOException} when the current host fails (it moves to the next one).
     */
    Answer watch(String key, Map<String, String> params, Duration timeout)
            throws IOException, InterruptedException, DcsException {
        URI base = currentEndpoint();
        try {
            Answer a = send(base, "GET", key, params, timeout);
            if (isTransient(a)) throw new IOException("etcd " + base + " answered HTTP " + a.status());
            return a;
        } catch (HttpTimeoutException e) {
            return null;
        } catch (IOException e) {
            nextEndpoint();
            throw e;
        }
    }

    /**
     * One request, answered within {@code timeout} as a whole: etcd sends the headers of a long poll at once and the
     * body only at the event, so the request timeout of the HTTP client (which covers the headers only) is not
     * enough. A late answer is cancelled and reported as {@link HttpTimeoutException}.
     */
    private Answer send(URI base, String method, String key, Map<String, String> params, Duration timeout)
            throws IOException, InterruptedException, DcsException {
        HttpResponse<String> r = BoundedHttp.send(http, request(base, method, key, params, timeout), timeout);
        return answer(base, r);
    }

    private HttpRequest request(URI base, String method, String key, Map<String, String> params, Duration timeout) {
        String form = form(params);
        boolean body = method.equals("PUT");
        URI uri = URI.create(base + "/v2/keys" + encodePath(key) + (!body && !form.isEmpty() ? "?" + form : ""));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        if (body) {
            b.header("Content-Type", "application/x-www-form-urlencoded")
                    .PUT(HttpRequest.BodyPublishers.ofString(form));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (authorization != null) b.header("Authorization", authorization);
        return b.build();
    }

    private Answer answer(URI base, HttpResponse<String> r) throws DcsException {
        long index = r.headers().firstValueAsLong("X-Etcd-Index").orElse(0);
        JsonNode json = parse(r.body());
        if (json == null) {
            if (r.statusCode() == 404) throw new Etcd2ApiMissingException(base);
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                throw new DcsException("etcd " + base + " refused the credentials of user " + userOf() + " (HTTP "
                        + r.statusCode() + "): " + r.body().strip());
            }
            json = MAPPER.createObjectNode().put("message", r.body().strip());
        } else if (json.path("errorCode").asInt(0) == 110) {
            throw new DcsException("etcd " + base + " refused the request of user " + userOf() + ": "
                    + json.path("message").asText());
        }
        return new Answer(r.statusCode(), json, index);
    }

    private String userOf() {
        if (authorization == null) return "(none: no etcd.username configured)";
        String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        return "'" + decoded.substring(0, decoded.indexOf(':')) + "'";
    }

    /** A failed request in words, naming the settings to check ({@link TlsFailures}). */
    static String describe(URI base, IOException e) {
        return TlsFailures.describe("etcd", base, e);
    }

    /** 5xx answers and etcd's raft errors (300-302: internal, leader election) are worth trying again. */
    private static boolean isTransient(Answer a) {
        int code = a.errorCode();
        return a.status() >= 500 || (code >= 300 && code < 400);
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String form(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&");
        params.forEach((k, v) -> j.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20")));
        return j.toString();
    }

    /** Percent-encodes each segment of a key path, keeping the slashes. */
    static String encodePath(String key) {
        StringBuilder sb = new StringBuilder();
        for (String segment : key.split("/", -1)) {
            if (!sb.isEmpty() || !segment.isEmpty()) sb.append('/');
            sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        String s = sb.toString().replace("//", "/");
        return s.startsWith("/") ? s : "/" + s;
    }
}
