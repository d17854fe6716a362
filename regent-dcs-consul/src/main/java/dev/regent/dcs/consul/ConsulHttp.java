package dev.regent.dcs.consul;

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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * HTTP calls to a Consul agent with the token, the datacenter, per-request timeouts (a third of
 * {@code retry_timeout}, as Patroni's read timeout) and retries within the retry timeout. Consul's own refusals
 * (a 404, "invalid session", "Invalid Session TTL", ACL denials) are answers, not retried; connection failures,
 * timeouts and other 5xx answers are retried, then reported as {@link DcsException} naming the agent. Thread-safe.
 */
final class ConsulHttp {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration PAUSE = Duration.ofMillis(100);

    /** One answer: HTTP status, body text and the {@code X-Consul-Index} header (0 when absent). */
    record Answer(int status, String body, long index) {
        boolean ok() {
            return status / 100 == 2;
        }

        boolean invalidSession() {
            return status == 500 && body.strip().toLowerCase(java.util.Locale.ROOT).startsWith("invalid session ");
        }

        boolean invalidSessionTtl() {
            return status == 500 && body.startsWith("Invalid Session TTL");
        }
    }

    private final HttpClient http;
    private final ConsulConfig config;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private volatile Duration retryTimeout;

    ConsulHttp(ConsulConfig config, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        if (config.tls() != null) b.sslContext(config.tls());
        this.http = b.build();
        this.config = config;
        this.retryTimeout = retryTimeout;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    void setRetryTimeout(Duration retryTimeout) {
        this.retryTimeout = retryTimeout;
    }

    URI base() {
        return config.base();
    }

    /** Patroni's read timeout: retry_timeout / 3 (at least 1 s). */
    Duration requestTimeout() {
        return Duration.ofMillis(Math.max(1000, retryTimeout.toMillis() / 3));
    }

    /** A KV or session call: {@code dc} added to the query. */
    Answer call(String method, String path, Map<String, String> params, String body) throws DcsException {
        Map<String, String> q = new LinkedHashMap<>(params);
        if (config.dc() != null) q.put("dc", config.dc());
        return callAgent(method, path, q, body);
    }

    /** A call retried within the retry timeout. */
    Answer callAgent(String method, String path, Map<String, String> params, String body) throws DcsException {
        Duration budget = retryTimeout;
        RetryPolicy policy = RetryPolicy.within(budget).withBackoff(PAUSE)
                .withAttemptTimeout(Duration.ofSeconds(1), requestTimeout());
        try {
            return policy.run(ticker, sleeper, t -> attempt(method, path, params, body, t.timeout()),
                    last -> new DcsException("Consul agent at " + config.base() + " not reachable within retry_timeout "
                            + budget.toSeconds() + " s (" + method + " " + path + "); last error: " + last.reason()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted calling Consul " + method + " " + path, e);
        }
    }

    private RetryPolicy.Outcome<Answer> attempt(String method, String path, Map<String, String> params, String body,
                                                Duration timeout) throws DcsException, InterruptedException {
        String error;
        try {
            Answer a = send(method, path, params, body, timeout);
            if (a.status() == 403 || a.status() == 401) {
                throw new DcsException("Consul agent at " + config.base() + " refused " + method + " " + path
                        + (config.token() == null ? " without an ACL token (set consul.token)"
                        : " with the configured consul.token") + ": HTTP " + a.status() + " " + a.body().strip());
            }
            if (a.status() < 500 || a.invalidSession() || a.invalidSessionTtl()) return RetryPolicy.Outcome.done(a);
            error = "HTTP " + a.status() + " " + a.body().strip();
        } catch (HttpTimeoutException e) {
            error = "no answer within " + timeout.toMillis() + " ms";
        } catch (IOException e) {
            error = TlsFailures.describe(ConsulConfig.SECTION, config.base(), e);
        }
        return RetryPolicy.Outcome.retry(error, null);
    }

    /**
     * A blocking query, not retried: answered when the index moves past {@code index} or after {@code wait} (plus
     * Consul's jitter of up to wait/16, so the request waits wait + max(wait/15, 1 s), as Patroni's).
     *
     * @throws IOException the agent failed or did not answer in time
     */
    Answer block(String path, Map<String, String> params, long index, Duration wait)
            throws IOException, InterruptedException, DcsException {
        Map<String, String> q = new LinkedHashMap<>(params);
        if (config.dc() != null) q.put("dc", config.dc());
        long waitMillis = Math.max(50, wait.toMillis());
        q.put("index", Long.toString(index));
        q.put("wait", waitMillis + "ms");
        Duration timeout = Duration.ofMillis(waitMillis + Math.max(waitMillis / 15, 1000));
        Answer a = send("GET", path, q, null, timeout);
        if (a.status() >= 500 || a.status() == 403 || a.status() == 401) {
            throw new IOException("Consul answered HTTP " + a.status() + " " + a.body().strip());
        }
        return a;
    }

    /** One request whose whole answer arrives within {@code timeout}, else {@link HttpTimeoutException}. */
    private Answer send(String method, String path, Map<String, String> params, String body, Duration timeout)
            throws IOException, InterruptedException {
        String query = query(params);
        URI uri = URI.create(config.base() + path + (query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (config.token() != null) b.header("X-Consul-Token", config.token());
        HttpResponse<String> r = BoundedHttp.send(http, b.build(), timeout);
        return new Answer(r.statusCode(), r.body() == null ? "" : r.body(),
                r.headers().firstValueAsLong("X-Consul-Index").orElse(0));
    }

    static String query(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&");
        params.forEach((k, v) -> j.add(v == null ? k
                : k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20")));
        return j.toString();
    }

    /** Percent-encodes each segment of a key, keeping the slashes. */
    static String encodeKey(String key) {
        StringJoiner j = new StringJoiner("/");
        for (String segment : key.split("/", -1)) {
            j.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return j.toString();
    }
}
