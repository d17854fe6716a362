package dev.regent.dcs.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.discovery.EtcdSrvDiscovery;
import dev.regent.dcs.tls.TlsFailures;
import dev.regent.time.Deadline;
import dev.regent.time.RetryPolicy;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON calls to etcd's gRPC gateway ({@code /v3/...}) over http or https (the configured TLS context), with the
 * cluster's members discovered and failed over as Patroni does ({@link EtcdTopology}), per-request timeouts, retries
 * within the retry timeout and token authentication (re-authenticating when the token is rejected). Thread-safe; every
 * call blocks for at most the retry timeout (watches for their own timeout).
 */
final class EtcdHttp {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdHttp.class);
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final long WORKER_IDLE_SECONDS = 3;
    private static final long MIN_REQUEST_MILLIS = 1000;
    private static final Duration ROUND_PAUSE = Duration.ofMillis(200);

    private final HttpClient http;
    private final EtcdTopology topology;
    private final String srv;
    private final String srvSuffix;
    private final String username;
    private final String password;
    private volatile String token;
    private volatile Duration retryTimeout;
    private final Ticker ticker;
    private final Sleeper sleeper;

    EtcdHttp(EtcdConfig config, Duration retryTimeout, Ticker ticker, Sleeper sleeper) {
        this.ticker = ticker;
        this.sleeper = sleeper;
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).executor(workers());
        if (config.tls() != null) client.sslContext(config.tls());
        this.http = client.build();
        this.topology = new EtcdTopology(config.useProxies(), () -> seeds(config), new Random());
        this.srv = config.srv();
        this.srvSuffix = config.srvSuffix();
        this.username = config.username();
        this.password = config.password();
        this.retryTimeout = retryTimeout;
    }

    /**
     * The client's workers (response handling and watch callbacks): the JDK's default pool keeps each thread for 60 s,
     * so the few that one HA cycle's calls use stay for good at a loop_wait of 10 s. These end after
     * {@value #WORKER_IDLE_SECONDS} s without work, so an idle node holds none between cycles (a thread start costs
     * ~0.1 ms); otherwise the same unbounded, direct hand-off pool.
     */
    static java.util.concurrent.ThreadPoolExecutor workers() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, WORKER_IDLE_SECONDS, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "etcd-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    void setRetryTimeout(Duration retryTimeout) {
        this.retryTimeout = retryTimeout;
    }

    /** Patroni refreshes its list of the cluster's members every ten ttls. */
    void setTtl(Duration ttl) {
        topology.setCacheTtl(ttl.multipliedBy(10));
    }

    /** The endpoints known now (the discovered members, or the configured ones). */
    List<URI> endpoints() {
        return topology.endpoints();
    }

    /** The configured endpoints, or what SRV discovery finds (the configured hosts being its fallback). */
    private List<URI> seeds(EtcdConfig config) {
        if (config.srv() == null) return config.endpoints();
        try {
            List<URI> found = EtcdSrvDiscovery.discover(config.srv(), config.srvSuffix(), requestTimeout(retryTimeout));
            return found.isEmpty() ? config.endpoints() : found;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return config.endpoints();
        }
    }

    /** Per-request timeout: a third of the retry budget (1..5 s) so that a hung host leaves time for the next. */
    static Duration requestTimeout(Duration retryTimeout) {
        long ms = Math.max(MIN_REQUEST_MILLIS, Math.min(5000, retryTimeout.toMillis() / 3));
        return Duration.ofMillis(ms);
    }

    /**
     * The retry policy of one call: within the retry timeout, one attempt per host and round, 200 ms between rounds
     * (shortened to what is left), each attempt given the per-request timeout, shortened to what is left of the
     * budget but at least {@value #MIN_REQUEST_MILLIS} ms.
     */
    RetryPolicy retryPolicy() {
        Duration budget = retryTimeout;
        return RetryPolicy.within(budget).withRoundSize(topology.size()).withBackoff(ROUND_PAUSE)
                .withAttemptTimeout(Duration.ofMillis(MIN_REQUEST_MILLIS), requestTimeout(budget));
    }

    /** POST {@code path} (e.g. {@code /v3/kv/range}) and return the JSON answer. */
    JsonNode call(String path, ObjectNode body) throws DcsException {
        RetryPolicy policy = retryPolicy();
        boolean[] reauthenticated = {false};
        try {
            return policy.run(ticker, sleeper, t -> attempt(path, body, t.timeout(), reauthenticated),
                    last -> new DcsException("etcd not reachable within retry_timeout " + policy.budget() + " (hosts "
                            + topology.endpoints() + "); last error: " + last.reason()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted calling etcd " + path, e);
        }
    }

    /**
     * One request to the current host (re-authenticating once per call when the token is rejected); a transient
     * failure moves to the next host and is retried, any other error ends the call.
     */
    private RetryPolicy.Outcome<JsonNode> attempt(String path, ObjectNode body, Duration timeout,
                                                  boolean[] reauthenticated)
            throws DcsException, InterruptedException {
        URI base = topology.current();
        if (base == null) throw new DcsException(noEndpoint());  // DNS gave a definite answer: nothing to retry
        String lastError;
        try {
            if (topology.needsRefresh(ticker.nanoTime())) {
                refreshMembers(base, timeout);
                base = topology.current();
            }
            while (true) {
                if (username != null && token == null) authenticate(base, timeout);
                HttpResponse<String> r = http.send(request(base, path, body, timeout),
                        HttpResponse.BodyHandlers.ofString());
                topology.succeeded();
                if (r.statusCode() == 200) return RetryPolicy.Outcome.done(MAPPER.readTree(r.body()));
                JsonNode err = parseError(r.body());
                int code = err.path("code").asInt(-1);
                String msg = err.path("error").asText(err.path("message").asText(r.body()));
                if (username != null && !reauthenticated[0] && isAuthError(code, msg)) {
                    token = null;
                    reauthenticated[0] = true;
                    continue;
                }
                if (!isTransient(r.statusCode(), code, msg)) {
                    throw new EtcdRequestException(code, "etcd " + base + path + ": " + msg);
                }
                lastError = base + ": " + msg;
                break;
            }
        } catch (IOException e) {
            lastError = base + ": " + describe(base, e);
        }
        LOG.debug("etcd request {} failed on {}, trying the next host", path, lastError);
        topology.failed(base);
        return RetryPolicy.Outcome.retry(lastError, null);
    }

    /**
     * Asks {@code base} for the cluster's members ({@code /v3/cluster/member/list}, as Patroni's etcd3 client) and
     * makes their client URLs the endpoints. An error answer keeps the endpoints (and is logged); a connection
     * failure is the caller's.
     */
    private void refreshMembers(URI base, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(base, "/v3/cluster/member/list", MAPPER.createObjectNode(),
                timeout), HttpResponse.BodyHandlers.ofString());
        List<URI> urls = new ArrayList<>();
        if (r.statusCode() == 200) {
            for (JsonNode member : MAPPER.readTree(r.body()).path("members")) {
                for (JsonNode u : member.path("clientURLs")) {
                    String url = u.asText();
                    try {
                        urls.add(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("etcd member {} has an unusable client URL '{}'", member.path("name").asText(), url);
                    }
                }
            }
        } else {
            LOG.warn("etcd {} did not list the cluster's members (HTTP {}): {}", base, r.statusCode(), r.body());
        }
        topology.discovered(urls, ticker.nanoTime());
    }

    private String noEndpoint() {
        return "no etcd endpoint: etcd3.srv " + srv + " has no SRV record (asked "
                + String.join(", ", EtcdSrvDiscovery.names(srv, srvSuffix)) + ") and no host is configured";
    }

    /** A failed request in words, naming the settings to check ({@link TlsFailures}). */
    static String describe(URI base, IOException e) {
        return TlsFailures.describe("etcd3", base, e);
    }

    private void authenticate(URI base, Duration timeout) throws IOException, InterruptedException, DcsException {
        ObjectNode body = MAPPER.createObjectNode().put("name", username).put("password", password);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/v3/auth/authenticate"))
                .timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode answer = r.statusCode() == 200 ? MAPPER.readTree(r.body()) : parseError(r.body());
        String t = answer.path("token").asText(null);
        String error = answer.path("error").asText(answer.path("message").asText(""));
        if (t == null && error.contains("authentication is not enabled")) {
            // as Patroni: go on without a token; an auth error later (auth enabled meanwhile) authenticates again
            LOG.info("etcd authentication is not enabled at {}: requests go without a token", base);
            t = "";
        }
        if (t == null) {
            throw new EtcdRequestException(answer.path("code").asInt(-1), "etcd authentication of user '" + username
                    + "' at " + base + " failed: " + answer.path("error").asText(r.body()));
        }
        token = t;
    }

    private HttpRequest request(URI base, String path, ObjectNode body, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (timeout != null) b.timeout(timeout);
        String t = token;
        if (t != null && !t.isEmpty()) b.header("Authorization", t);
        return b.build();
    }

    /**
     * Stream {@code /v3/watch} and return true at the first event (or compaction notice), false when
     * {@code timeout} passes first. Connection errors move to the next host until the timeout.
     */
    boolean watch(ObjectNode createRequest, Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        while (true) {
            if (deadline.expired()) return false;
            long remaining = deadline.remaining().toNanos();
            URI base = topology.current();
            if (base == null) {  // SRV found nothing: ask DNS again in a second at most
                sleeper.sleep(Duration.ofMillis(Math.max(1, deadline.cap(Duration.ofSeconds(1)).toMillis())));
                continue;
            }
            try {
                if (username != null && token == null) authenticate(base, requestTimeout(retryTimeout));
                WatchSubscriber sub = new WatchSubscriber();
                http.sendAsync(request(base, "/v3/watch", createRequest, null),
                        HttpResponse.BodyHandlers.fromLineSubscriber(sub));
                try {
                    Boolean changed = sub.result.get(remaining, TimeUnit.NANOSECONDS);
                    if (changed) return true;
                } catch (TimeoutException e) {
                    return false;
                } catch (ExecutionException e) {
                    LOG.debug("etcd watch on {} failed: {}", base, e.getCause().toString());
                } finally {
                    sub.cancel();
                }
            } catch (IOException | DcsException e) {
                LOG.debug("etcd watch on {} failed: {}", base, e.toString());
            }
            if (username != null) token = null;  // maybe rejected: authenticate again on the next try
            topology.failed(base);
            sleeper.sleep(Duration.ofMillis(Math.max(1, deadline.cap(ROUND_PAUSE).toMillis())));
        }
    }

    /** Completes with true on an event, exceptionally when the stream ends or reports an error. */
    private static final class WatchSubscriber implements Flow.Subscriber<String> {
        final CompletableFuture<Boolean> result = new CompletableFuture<>();
        private volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.isBlank()) return;
            try {
                JsonNode n = MAPPER.readTree(line);
                JsonNode r = n.path("result");
                if (n.has("error")) {
                    result.completeExceptionally(new IOException("watch error: " + n.path("error")));
                } else if (r.path("events").size() > 0 || r.path("compact_revision").asLong(0) > 0) {
                    result.complete(true);
                } else if (r.path("canceled").asBoolean(false)) {
                    result.completeExceptionally(new IOException("watch canceled: " + r.path("cancel_reason")));
                }
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.completeExceptionally(new IOException("watch stream closed"));
        }

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) s.cancel();
        }
    }

    private static JsonNode parseError(String body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            return n == null ? MAPPER.createObjectNode() : n;
        } catch (IOException e) {
            return MAPPER.createObjectNode().put("error", body);
        }
    }

    private static boolean isAuthError(int code, String msg) {
        return code == 16 || msg.contains("invalid auth token") || msg.contains("user name is empty");
    }

    private static boolean isTransient(int status, int code, String msg) {
        return status == 503 || status == 504 || status == 502 || code == 14 || code == 4
                || msg.contains("no leader") || msg.contains("timed out") || msg.contains("leader changed");
    }
}
