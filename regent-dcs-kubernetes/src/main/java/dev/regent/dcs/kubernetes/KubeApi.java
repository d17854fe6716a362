package dev.regent.dcs.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few calls of the Kubernetes core/v1 REST API the store needs, on the JDK HttpClient (as Patroni talks to the
 * API with its own small urllib3 client rather than the official library). I/O errors and the retriable status codes
 * (500, 503, 504, any answer with {@code Retry-After}, plus {@code retriable_http_codes}) are retried until
 * {@code retry_timeout}, then reported as a {@link DcsException}; 404 and 409 are answers, returned as such, never
 * retried. Thread-safe.
 */
final class KubeApi {
    private static final Logger LOG = LoggerFactory.getLogger(KubeApi.class);
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String MERGE_PATCH = "application/merge-patch+json";

    /** An answer: status and JSON body (null when none or not JSON). */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The server's {@code message}, for errors. */
        String message() {
            return body != null && body.hasNonNull("message") ? body.get("message").asText() : "";
        }
    }

    /**
     * How old the API server list of {@code bypass_api_service} may get: Patroni refreshes it when older than
     * {@code loop_wait} - 0.5 s; the store is not told {@code loop_wait}, so Patroni's default (10 s) is assumed.
     */
    static final Duration SERVERS_REFRESH = Duration.ofMillis(9_500);

    private final KubeConnection connection;
    private final HttpClient http;
    private final HttpClient httpByAddress;  // API servers reached by IP (bypass_api_service): no name check
    private final ApiServers servers;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private volatile Duration retryTimeout;
    private volatile Set<Integer> retriable;

    KubeApi(KubeConnection connection, Duration retryTimeout, Set<Integer> retriable, Ticker ticker, Sleeper sleeper) {
        this(connection, false, SERVERS_REFRESH, retryTimeout, retriable, ticker, sleeper);
    }

    /**
     * @param bypass         {@code bypass_api_service}: send requests to the addresses of the {@code kubernetes}
     *                       Endpoints rather than to the connection's server (see {@link ApiServers})
     * @param serversRefresh how old that address list may get
     */
    KubeApi(KubeConnection connection, boolean bypass, Duration serversRefresh, Duration retryTimeout,
            Set<Integer> retriable, Ticker ticker, Sleeper sleeper) {
        this.connection = connection;
        this.retryTimeout = retryTimeout;
        this.retriable = Set.copyOf(retriable);
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.http = client(connection.ssl());
        this.httpByAddress = bypass && connection.sslByAddress() != connection.ssl()
                ? client(connection.sslByAddress()) : http;
        this.servers = new ApiServers(connection.server(), bypass, serversRefresh, ticker, new Random());
    }

    private static HttpClient client(SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3));
        if (ssl != null) b.sslContext(ssl);
        return b.build();
    }

    /** The API server in use: the connection's server, or with bypass one of the Endpoints' addresses. */
    URI server() {
        return servers.current();
    }

    /** The addresses requests may go to, the one in use first (one without bypass). */
    List<URI> servers() {
        return servers.candidates();
    }

    void setRetryTimeout(Duration retryTimeout) {
        this.retryTimeout = retryTimeout;
    }

    /** {@code /api/v1/namespaces/<ns>/<kind>[/<name>]}. */
    static String path(String namespace, String kind, String name) {
        return "/api/v1/namespaces/" + enc(namespace) + "/" + kind + (name == null ? "" : "/" + enc(name));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Answer get(String path) throws DcsException {
        return call("GET", path, null, null);
    }

    /** A list with {@code labelSelector}; a non-2xx answer is an error. */
    JsonNode list(String path, String selector) throws DcsException {
        Answer a = call("GET", path + "?labelSelector=" + enc(selector), null, null);
        if (!a.ok()) throw error("GET", path, a);
        return a.body();
    }

    Answer create(String path, ObjectNode body) throws DcsException {
        return call("POST", path, "application/json", body);
    }

    Answer patch(String path, ObjectNode body) throws DcsException {
        return call("PATCH", path, MERGE_PATCH, body);
    }

    Answer delete(String path) throws DcsException {
        return call("DELETE", path, null, null);
    }

    /**
     * Opens a watch from {@code resourceVersion}; the server closes it after {@code timeoutSeconds}. One attempt, no
     * retry (the watcher loop retries). Returns the answer's status and, on 200, the stream of JSON lines.
     */
    HttpResponse<InputStream> watch(String path, String selector, String resourceVersion, int timeoutSeconds)
            throws IOException, InterruptedException {
        String query = "?watch=1&labelSelector=" + enc(selector) + "&resourceVersion=" + enc(resourceVersion)
                + "&timeoutSeconds=" + timeoutSeconds + "&allowWatchBookmarks=true";
        URI base = servers.current();
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path + query)).GET();
        authorize(b);
        try {
            HttpResponse<InputStream> r = clientFor(base).send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            servers.succeeded(base);
            return r;
        } catch (IOException e) {
            servers.failed(base);  // as Patroni: a watch that cannot connect moves the next call to the next server
            throw e;
        }
    }

    /** A non-2xx answer as an error naming the call. */
    DcsException error(String method, String path, Answer a) {
        return new DcsException("Kubernetes API " + servers.current() + ": " + method + " " + path + " answered "
                + a.status() + (a.message().isEmpty() ? "" : ": " + a.message()));
    }

    /**
     * One call within {@code retry_timeout}. Each round tries the addresses of {@link #servers} in order, the one in
     * use first, moving on only when one cannot be reached (an I/O error or timeout: an answer, even a 503, means the
     * server is there, and Patroni retries it on the same server); with several addresses each gets a share of the
     * remaining budget (at least 1 s), as Patroni splits its timeout over its API server nodes. After a round where
     * none answered, the address list is read again through the Service, then the round is retried after a pause.
     */
    private Answer call(String method, String path, String contentType, ObjectNode body) throws DcsException {
        Duration budget = retryTimeout;
        Deadline deadline = Deadline.after(ticker, budget);
        Duration pause = Duration.ofMillis(100);
        String last = "";
        try {
            servers.refreshIfDue(this::readEndpoints);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        while (true) {
            List<URI> bases = servers.candidates();
            boolean answered = false;
            boolean someFailed = false;
            for (int i = 0; i < bases.size() && !answered; i++) {
                URI base = bases.get(i);
                if (i > 0 && deadline.remaining().isZero()) break;
                if (i > 0) LOG.info("Retrying {} {} on {}", method, path, base);
                HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                        .timeout(attemptTimeout(deadline.remaining(), bases.size() - i));
                authorize(b);
                if (body != null) {
                    b.header("Content-Type", contentType);
                    b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
                } else {
                    b.method(method, HttpRequest.BodyPublishers.noBody());
                }
                try {
                    HttpResponse<String> r = clientFor(base).send(b.build(), HttpResponse.BodyHandlers.ofString());
                    answered = true;
                    servers.succeeded(base);
                    // Another address took over: read the list again, the failed one may be gone (Patroni too).
                    if (someFailed) servers.refresh(this::readEndpoints, false);
                    Answer a = new Answer(r.statusCode(), parse(r.body()));
                    boolean retryAfter = r.headers().firstValue("Retry-After").isPresent();
                    if (!retriable.contains(a.status()) && !retryAfter) return a;
                    last = a.status() + (a.message().isEmpty() ? "" : " " + a.message());
                } catch (IOException e) {
                    servers.failed(base);
                    someFailed = true;
                    last = (bases.size() > 1 ? base + ": " : "") + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage());
                } catch (InterruptedException e) {
                    throw interrupted(e);
                } catch (IllegalStateException e) {  // the token file could not be read
                    throw new DcsException("Kubernetes API " + base + ": " + e.getMessage(), e);
                }
            }
            Duration left = deadline.remaining();
            if (left.isZero() || left.isNegative()) {  // the whole budget spent: Patroni's retry_timeout, no less
                throw new DcsException("Kubernetes API server " + servers.current() + " (" + connection.source()
                        + (bases.size() > 1 ? ", bypass_api_service: " + bases : "") + ") not reachable within"
                        + " retry_timeout " + budget.toSeconds() + " s: " + method + " " + path + ": " + last);
            }
            try {
                if (!answered) servers.refresh(this::readEndpoints, true);  // Patroni reloads its list then
                LOG.debug("Kubernetes API {} {} failed ({}), retrying", method, path, last);
                left = deadline.remaining();
                if (!left.isZero()) sleeper.sleep(left.compareTo(pause) < 0 ? left : pause);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
                    : pause.multipliedBy(2);
        }
    }

    /** The whole remaining budget for the last address; a share, at least 1 s, when more are left to try. */
    private static Duration attemptTimeout(Duration remaining, int addressesLeft) {
        Duration share = addressesLeft > 1 ? remaining.dividedBy(addressesLeft) : remaining;
        if (addressesLeft > 1 && share.compareTo(Duration.ofSeconds(1)) < 0) share = Duration.ofSeconds(1);
        if (share.compareTo(remaining) > 0) share = remaining;
        return share.compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200) : share;
    }

    /**
     * GET of the {@code default/kubernetes} Endpoints from one address, for {@link ApiServers}; half of
     * {@code retry_timeout}, at least 1 s, as Patroni gives this read a share of its read timeout.
     */
    private Answer readEndpoints(URI base) throws IOException, InterruptedException {
        Duration timeout = retryTimeout.dividedBy(2);
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(ApiServers.ENDPOINTS_PATH))
                .timeout(timeout.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : timeout).GET();
        authorize(b);
        HttpResponse<String> r = clientFor(base).send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), parse(r.body()));
    }

    /** The Service (or kubeconfig) server keeps the name check; the Endpoints' IP addresses go without it. */
    private HttpClient clientFor(URI base) {
        return base.equals(connection.server()) ? http : httpByAddress;
    }

    private static DcsException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new DcsException("interrupted while calling the Kubernetes API", e);
    }

    private void authorize(HttpRequest.Builder b) {
        b.header("Accept", "application/json").header("User-Agent", "regent");
        if (connection.authorization() != null) b.header("Authorization", connection.authorization().get());
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
