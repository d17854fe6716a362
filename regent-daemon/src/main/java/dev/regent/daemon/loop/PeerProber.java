package dev.regent.daemon.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.Member;
import dev.regent.core.model.Tags;
import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks other members' REST APIs ({@code GET /patroni}) for their state, in parallel, with Patroni's 2 s timeout.
 * Used for the leader race (healthiest-node check) and for switchover feasibility. Thread-safe.
 */
public final class PeerProber implements PeerProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final Ticker ticker;

    /** A prober on the real clock. */
    public PeerProber() {
        this(Ticker.SYSTEM);
    }

    /** A prober whose overall deadline is measured on {@code ticker}. */
    public PeerProber(Ticker ticker) {
        this(ticker, HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build());
    }

    /** A prober calling through {@code client} (the {@code ctl} TLS settings: CA, client certificate). */
    public PeerProber(Ticker ticker, HttpClient client) {
        this.ticker = ticker;
        this.client = client;
    }

    /** The connect timeout a client given to this prober should have (Patroni's 2 s). */
    public static Duration timeout() {
        return TIMEOUT;
    }

    /** Probe every member except {@code self}; unreachable members are reported as such. */
    @Override
    public Map<String, PeerStatus> probe(List<Member> members, String self) {
        Map<String, CompletableFuture<PeerStatus>> futures = new HashMap<>();
        for (Member m : members) {
            if (m.name().equals(self) || m.apiUrl() == null) continue;
            futures.put(m.name(), fetch(m));
        }
        Map<String, PeerStatus> result = new HashMap<>();
        Deadline deadline = Deadline.after(ticker, TIMEOUT.plusMillis(200));
        for (Map.Entry<String, CompletableFuture<PeerStatus>> e : futures.entrySet()) {
            try {
                long left = Math.max(1, deadline.remaining().toNanos());
                result.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                result.put(e.getKey(), PeerStatus.unreachable(e.getKey()));
            } catch (ExecutionException | TimeoutException ex) {
                result.put(e.getKey(), PeerStatus.unreachable(e.getKey()));
            }
        }
        return result;
    }

    private CompletableFuture<PeerStatus> fetch(Member m) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(m.apiUrl())).timeout(TIMEOUT).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerStatus.unreachable(m.name()));
        }
        return client.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> parse(m.name(), r.body()))
                .exceptionally(t -> PeerStatus.unreachable(m.name()));
    }

    /** Parse a {@code GET /patroni} body into a peer status; garbage counts as unreachable. */
    static PeerStatus parse(String name, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            String role = n.path("role").asText("");
            String state = n.path("state").asText("");
            JsonNode xlog = n.path("xlog");
            // Only a running primary is "still alive". A Regent member whose postgres is down or still starting
            // reports the role its data directory had: after a crash, or the immediate demotion that hands over at
            // primary_start_timeout 0, that is "primary" while it restarts as a replica (Patroni reports "demoted",
            // then "replica"). Counting it would hold the race back for a whole loop_wait and let the crashed node
            // win the next race. A starting postgres accepts no writes, and one that comes up as a primary without
            // the lock demotes itself.
            boolean primary = state.equals("running") && (role.equals("primary") || role.equals("master")
                    || (xlog.has("location") && !xlog.path("location").isNull()));
            long wal = xlog.has("location") ? xlog.path("location").asLong(0)
                    : Math.max(xlog.path("received_location").asLong(0), xlog.path("replayed_location").asLong(0));
            Map<String, Object> tags = new HashMap<>();
            n.path("tags").fields().forEachRemaining(f -> tags.put(f.getKey(),
                    f.getValue().isBoolean() ? (Object) f.getValue().asBoolean() : f.getValue().asText()));
            return new PeerStatus(name, true, primary, wal, n.path("timeline").asInt(0),
                    Tags.failoverPriority(tags), "running".equals(state), Tags.noFailover(tags),
                    n.path("watchdog_failed").asBoolean(false));
        } catch (Exception e) {
            return PeerStatus.unreachable(name);
        }
    }
}
