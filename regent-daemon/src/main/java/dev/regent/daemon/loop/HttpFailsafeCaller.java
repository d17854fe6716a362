package dev.regent.daemon.loop;

import dev.regent.core.ha.FailsafeAnswer;
import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /failsafe} to every member at once, as Patroni's call_failsafe_member: 2 s timeout and one retry per
 * member, the REST API's basic-auth credentials when configured; accepted only on 200 with the body
 * {@code Accepted}; the {@code lsn} header carries the member's received/replayed position. The whole round is
 * bounded by about 4.5 s. Logs each answer at INFO and each failure at WARNING, in Patroni's words. Thread-safe.
 */
public final class HttpFailsafeCaller implements FailsafeCaller {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFailsafeCaller.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ROUND = TIMEOUT.multipliedBy(2).plusMillis(500);
    private final HttpClient client;
    private final Ticker ticker;
    private final String authorization;

    /**
     * @param username restapi.authentication.username, or null for none
     * @param password its password
     */
    public HttpFailsafeCaller(Ticker ticker, String username, String password) {
        this(ticker, username, password, HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).build());
    }

    /** A caller that goes through {@code client} (the {@code ctl} TLS settings). */
    public HttpFailsafeCaller(Ticker ticker, String username, String password, HttpClient client) {
        this.client = client;
        this.ticker = ticker;
        this.authorization = username == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Map<String, FailsafeAnswer> ask(Map<String, String> members, String body) {
        Map<String, CompletableFuture<FailsafeAnswer>> futures = new HashMap<>();
        members.forEach((name, apiUrl) -> futures.put(name, post(name, apiUrl, body, 1)));
        Map<String, FailsafeAnswer> out = new HashMap<>();
        Deadline deadline = Deadline.after(ticker, ROUND);
        for (Map.Entry<String, CompletableFuture<FailsafeAnswer>> e : futures.entrySet()) {
            try {
                long left = Math.max(1, deadline.remaining().toNanos());
                out.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                out.put(e.getKey(), FailsafeAnswer.none(e.getKey()));
            } catch (ExecutionException | TimeoutException ex) {
                e.getValue().cancel(true);
                LOG.warn("Request failed to {}: POST {} (no answer within {} s)", e.getKey(),
                        endpoint(members.get(e.getKey())), ROUND.toMillis() / 1000.0);
                out.put(e.getKey(), FailsafeAnswer.none(e.getKey()));
            }
        }
        return out;
    }

    private CompletableFuture<FailsafeAnswer> post(String name, String apiUrl, String body, int retries) {
        String url = endpoint(apiUrl);
        HttpRequest req;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (authorization != null) b.header("Authorization", authorization);
            req = b.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warn("Request failed to {}: POST {} ({})", name, url, e.getMessage());
            return CompletableFuture.completedFuture(FailsafeAnswer.none(name));
        }
        return client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((r, t) -> {
            if (t == null) return CompletableFuture.completedFuture(answer(name, url, r));
            if (retries > 0) return post(name, apiUrl, body, retries - 1);
            Throwable cause = t.getCause() == null ? t : t.getCause();
            LOG.warn("Request failed to {}: POST {} ({})", name, url, String.valueOf(cause));
            return CompletableFuture.completedFuture(FailsafeAnswer.none(name));
        }).thenCompose(f -> f);
    }

    private static FailsafeAnswer answer(String name, String url, HttpResponse<String> r) {
        LOG.info("Got response from {} {}: {}", name, url, r.body());
        boolean accepted = r.statusCode() == 200 && "Accepted".equals(r.body());
        Long lsn = null;
        String header = r.headers().firstValue("lsn").orElse(null);
        if (header != null) {
            try {
                lsn = Long.parseLong(header.strip());
            } catch (NumberFormatException e) {
                lsn = null;  // Patroni's parse_int: garbage means no position
            }
        }
        return new FailsafeAnswer(name, accepted, lsn);
    }

    /** Patroni's Member.get_endpoint_url: the api_url with its path replaced by {@code /failsafe}. */
    static String endpoint(String apiUrl) {
        if (apiUrl == null) return null;
        URI u = URI.create(apiUrl);
        return u.getScheme() + "://" + u.getRawAuthority() + "/failsafe";
    }
}
