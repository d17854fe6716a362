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
import java.util.Set;
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

    private final KubeConnection connection;
    private final HttpClient http;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private volatile Duration retryTimeout;
    private volatile Set<Integer> retriable;

    KubeApi(KubeConnection connection, Duration retryTimeout, Set<Integer> retriable, Ticker ticker, Sleeper sleeper) {
        this.connection = connection;
        this.retryTimeout = retryTimeout;
        this.retriable = Set.copyOf(retriable);
        this.ticker = ticker;
        this.sleeper = sleeper;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3));
        if (connection.ssl() != null) b.sslContext(connection.ssl());
        this.http = b.build();
    }

    URI server() {
        return connection.server();
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
        HttpRequest.Builder b = HttpRequest.newBuilder(connection.server().resolve(path + query)).GET();
        authorize(b);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A non-2xx answer as an error naming the call. */
    DcsException error(String method, String path, Answer a) {
        return new DcsException("Kubernetes API " + connection.server() + ": " + method + " " + path + " answered "
                + a.status() + (a.message().isEmpty() ? "" : ": " + a.message()));
    }

    private Answer call(String method, String path, String contentType, ObjectNode body) throws DcsException {
        Duration budget = retryTimeout;
        Deadline deadline = Deadline.after(ticker, budget);
        Duration pause = Duration.ofMillis(100);
        String last;
        while (true) {
            Duration attempt = deadline.remaining();
            if (attempt.compareTo(Duration.ofMillis(200)) < 0) attempt = Duration.ofMillis(200);
            HttpRequest.Builder b = HttpRequest.newBuilder(connection.server().resolve(path)).timeout(attempt);
            authorize(b);
            if (body != null) {
                b.header("Content-Type", contentType);
                b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                Answer a = new Answer(r.statusCode(), parse(r.body()));
                boolean retryAfter = r.headers().firstValue("Retry-After").isPresent();
                if (!retriable.contains(a.status()) && !retryAfter) return a;
                last = a.status() + (a.message().isEmpty() ? "" : " " + a.message());
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DcsException("interrupted while calling the Kubernetes API", e);
            } catch (IllegalStateException e) {  // the token file could not be read
                throw new DcsException("Kubernetes API " + connection.server() + ": " + e.getMessage(), e);
            }
            Duration left = deadline.remaining();
            if (left.isZero() || left.isNegative()) {  // the whole budget spent: Patroni's retry_timeout, no less
                throw new DcsException("Kubernetes API server " + connection.server() + " (" + connection.source()
                        + ") not reachable within retry_timeout " + budget.toSeconds() + " s: " + method + " " + path
                        + ": " + last);
            }
            LOG.debug("Kubernetes API {} {} failed ({}), retrying", method, path, last);
            try {
                sleeper.sleep(left.compareTo(pause) < 0 ? left : pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DcsException("interrupted while calling the Kubernetes API", e);
            }
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1)
                    : pause.multipliedBy(2);
        }
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
