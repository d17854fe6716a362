package dev.regent.dcs.zookeeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.curator.ensemble.EnsembleProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper ensemble as Exhibitor lists it, as Patroni's {@code exhibitor} section finds it: every
 * {@code poll_interval} seconds, {@code GET http://<exhibitor>:<port>/exhibitor/v1/cluster/list} on the known
 * Exhibitor hosts in random order (3.1 s each), then on the configured ones; the answer
 * {@code {"servers": [...], "port": N}} becomes the connect string {@code server:N,...} (servers sorted), and its
 * servers the Exhibitor hosts asked next time. Until a first answer the connect string is empty and polls are tried
 * again every 5 s (Patroni waits for Exhibitor at start-up; Regent reports the DCS as unreachable meanwhile).
 * Thread-safe.
 */
public final class ExhibitorEnsemble implements EnsembleProvider {
    static final String SECTION = "exhibitor";
    static final String PATH = "/exhibitor/v1/cluster/list";
    private static final Duration TIMEOUT = Duration.ofMillis(3100);
    private static final Duration RETRY_UNTIL_KNOWN = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(ExhibitorEnsemble.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<String> configured;
    private final int port;
    private final Duration pollInterval;
    private final Ticker ticker;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private List<String> exhibitors;
    private String connectString = "";
    private long nextPollNanos;
    private boolean polled;

    public ExhibitorEnsemble(List<String> hosts, int port, Duration pollInterval, Ticker ticker) {
        if (hosts.isEmpty()) throw new IllegalArgumentException(SECTION + ".hosts is empty");
        this.configured = List.copyOf(hosts);
        this.exhibitors = List.copyOf(hosts);
        this.port = port;
        this.pollInterval = pollInterval;
        this.ticker = ticker;
    }

    /** From Patroni's {@code exhibitor} section: {@code hosts}, {@code port}, {@code poll_interval} (300 s). */
    public static ExhibitorEnsemble fromConfig(Map<String, Object> section, Ticker ticker) {
        Object hosts = section.get("hosts");
        if (hosts == null) throw new IllegalArgumentException(SECTION + ".hosts is required");
        List<String> list = new ArrayList<>();
        if (hosts instanceof List<?> l) {
            l.forEach(h -> list.add(String.valueOf(h).strip()));
        } else if (hosts instanceof String s) {
            for (String h : s.split(",")) list.add(h.strip());
        } else {
            throw new IllegalArgumentException(SECTION + ".hosts must be a list of host names");
        }
        list.removeIf(String::isEmpty);
        int port = integer(section, "port", null, 1, 65535);
        int poll = integer(section, "poll_interval", 300, 1, Integer.MAX_VALUE);
        return new ExhibitorEnsemble(list, port, Duration.ofSeconds(poll), ticker);
    }

    private static int integer(Map<String, Object> section, String key, Integer dflt, int min, int max) {
        Object v = section.get(key);
        if (v == null) {
            if (dflt == null) throw new IllegalArgumentException(SECTION + "." + key + " is required");
            return dflt;
        }
        try {
            long n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().strip());
            if (n < min || n > max) throw new NumberFormatException();
            return (int) n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SECTION + "." + key + " must be an integer from " + min + " to " + max
                    + ", not '" + v + "'");
        }
    }

    /**
     * Asks Exhibitor when the poll interval has passed (every 5 s until a first answer); true when the connect string
     * changed. Blocks up to 3.1 s per Exhibitor host asked.
     */
    public boolean poll() {
        List<String> ask;
        synchronized (this) {
            if (polled && ticker.nanoTime() - nextPollNanos < 0) return false;
            polled = true;
            nextPollNanos = ticker.nanoTime() + RETRY_UNTIL_KNOWN.toNanos();
            ask = new ArrayList<>(exhibitors);
        }
        JsonNode answer = query(ask);
        if (answer == null) answer = query(new ArrayList<>(configured));
        if (answer == null || !answer.path("servers").isArray() || !answer.path("port").canConvertToInt()) {
            LOG.info("waiting on exhibitor {} (port {})", configured, port);
            return false;
        }
        List<String> servers = new ArrayList<>();
        answer.path("servers").forEach(s -> servers.add(s.asText()));
        if (servers.isEmpty()) return false;
        int zkPort = answer.path("port").asInt();
        String hosts = servers.stream().sorted().map(s -> s + ":" + zkPort).collect(Collectors.joining(","));
        synchronized (this) {
            nextPollNanos = ticker.nanoTime() + pollInterval.toNanos();
            if (hosts.equals(connectString)) return false;
            LOG.info("ZooKeeper connection string has changed: {} => {}", connectString, hosts);
            connectString = hosts;
            exhibitors = List.copyOf(servers);
            return true;
        }
    }

    private JsonNode query(List<String> hosts) {
        Collections.shuffle(hosts);
        for (String host : hosts) {
            URI uri = URI.create("http://" + host + ":" + port + PATH);
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                return MAPPER.readTree(r.body());
            } catch (IOException | IllegalArgumentException e) {
                LOG.debug("Exhibitor {}: {}", uri, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** The connect string from the last answer; polls first while none came yet. */
    @Override
    public String getConnectionString() {
        synchronized (this) {
            if (!connectString.isEmpty()) return connectString;
        }
        poll();
        synchronized (this) {
            return connectString;
        }
    }

    /** What the store tells the user when no ensemble is known yet. */
    String describe() {
        return "Exhibitor " + configured + " (port " + port + ")";
    }

    @Override
    public void start() {
        // polls on demand
    }

    @Override
    public synchronized void setConnectionString(String connectionString) {
        // Curator's ensemble tracker is off: the list comes from Exhibitor only
    }

    /** Curator moves the session to the new servers instead of opening a new session. */
    @Override
    public boolean updateServerListEnabled() {
        return true;
    }

    @Override
    public void close() {
        // the JDK 17 HttpClient has no close(); its threads end when it is collected
    }
}
