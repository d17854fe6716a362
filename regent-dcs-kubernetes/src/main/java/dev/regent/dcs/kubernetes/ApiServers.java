package dev.regent.dcs.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server base URIs requests go to: Patroni's {@code kubernetes.bypass_api_service}.
 *
 * <p>Without bypass there is one: the connection's server (the {@code kubernetes} Service in a Pod, or the
 * kubeconfig's server). With bypass, the list is read from the Endpoints {@code kubernetes} in namespace
 * {@code default}, which the API servers maintain themselves: the addresses of the first subset that has a port
 * named {@code https} (protocol TCP), as {@code <scheme>://<ip>:<port>}, shuffled so that a cluster's members spread
 * over the API servers, as Patroni does. Requests then skip the Service's kube-proxy/iptables hop, which keeps working
 * when that hop is what failed, and one address that stops answering is left for the next.
 *
 * <p>Patroni's rules, kept here: the list is read first through the Service address; it is refreshed when older
 * than {@link #refreshInterval} (Patroni: {@code loop_wait} - 0.5 s) and after a request succeeded on another
 * address than the one that failed; a refresh tries the known addresses in order. If the Endpoints cannot be read or
 * name no address, the list in use is kept (at the start: the Service address alone), so the store still works
 * through the Service. A 403 (RBAC does not allow reading {@code default/endpoints/kubernetes}) turns bypass off for
 * good, with a warning.
 *
 * <p>Thread-safe: the list and the current address are guarded by this object's monitor; one refresh runs at a time
 * (others skip it rather than wait behind an HTTP call).
 */
final class ApiServers {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServers.class);
    static final String ENDPOINTS_PATH = "/api/v1/namespaces/default/endpoints/kubernetes";

    /** Reads the {@code default/kubernetes} Endpoints from one base URI. */
    interface EndpointsReader {
        /**
         * @return the answer (status and JSON body)
         * @throws IOException the server could not be reached or did not answer in time
         */
        KubeApi.Answer read(URI base) throws IOException, InterruptedException;
    }

    private final URI service;
    private final Duration refreshInterval;
    private final Ticker ticker;
    private final Random random;
    private final ReentrantLock refreshing = new ReentrantLock();
    private boolean bypass;
    private List<URI> servers;
    private URI current;
    private long refreshedAtMillis;
    private boolean refreshedOnce;

    /**
     * @param service         the connection's server: the first address and the fallback
     * @param bypass          {@code bypass_api_service}
     * @param refreshInterval how old the list may get before it is read again
     * @param random          shuffles the addresses (tests pass a seeded one)
     */
    ApiServers(URI service, boolean bypass, Duration refreshInterval, Ticker ticker, Random random) {
        this.service = service;
        this.bypass = bypass;
        this.refreshInterval = refreshInterval;
        this.ticker = ticker;
        this.random = random;
        this.servers = List.of(service);
        this.current = service;
    }

    /** Whether bypass is (still) on: false when not configured or after a 403. */
    synchronized boolean bypassing() {
        return bypass;
    }

    /** The address in use. */
    synchronized URI current() {
        return current;
    }

    /** The addresses to try for one request: the one in use first, then the others in list order. */
    synchronized List<URI> candidates() {
        List<URI> out = new ArrayList<>(servers.size() + 1);
        out.add(current);
        for (URI u : servers) if (!u.equals(current)) out.add(u);
        return out;
    }

    /** {@code base} could not be reached: when it is the one in use, the next address of the list takes over. */
    synchronized void failed(URI base) {
        if (!base.equals(current) || servers.size() < 2) return;
        int i = servers.indexOf(base);
        URI next = servers.get(i < 0 ? 0 : (i + 1) % servers.size());
        LOG.info("Kubernetes API server {} failed; selected {}", base, next);
        current = next;
    }

    /** {@code base} answered: it is the one in use from now on. */
    synchronized void succeeded(URI base) {
        if (!base.equals(current)) LOG.info("Selected new Kubernetes API server endpoint {}", base);
        current = base;
    }

    /** Reads the list when bypass is on and it is older than the refresh interval (or was never read). */
    void refreshIfDue(EndpointsReader reader) throws InterruptedException {
        synchronized (this) {
            if (!bypass || refreshedOnce
                    && ticker.monotonicMillis() - refreshedAtMillis < refreshInterval.toMillis()) {
                return;
            }
        }
        refresh(reader, false);
    }

    /**
     * Reads the list now (bypass on only). {@code fromService}: through the Service address alone, as after every
     * address failed (Patroni reloads its cache so). Failures keep the list in use; they are logged, not thrown.
     */
    void refresh(EndpointsReader reader, boolean fromService) throws InterruptedException {
        if (!refreshing.tryLock()) return;  // another thread is reading it: use the list we have
        try {
            List<URI> from;
            synchronized (this) {
                if (!bypass) return;
                from = fromService || !refreshedOnce ? List.of(service) : candidates();
            }
            List<URI> read = null;
            for (URI base : from) {
                try {
                    KubeApi.Answer a = reader.read(base);
                    if (a.status() == 403) {
                        LOG.warn("Kubernetes RBAC does not allow GET of the 'kubernetes' Endpoints in the 'default'"
                                + " namespace ({}): bypass_api_service is off, using {}", a.message(), service);
                        synchronized (this) {
                            bypass = false;
                            servers = List.of(service);
                            current = service;
                        }
                        return;
                    }
                    if (!a.ok()) {
                        LOG.warn("Cannot read the 'kubernetes' Endpoints from {}: {} {}", base, a.status(),
                                a.message());
                        continue;
                    }
                    List<URI> addresses = addresses(a.body(), service.getScheme());
                    if (addresses.isEmpty()) {
                        LOG.warn("The 'kubernetes' Endpoints read from {} list no https address", base);
                        continue;
                    }
                    read = addresses;
                    break;
                } catch (IOException | RuntimeException e) {  // RuntimeException: an unreadable token file
                    LOG.warn("Cannot read the 'kubernetes' Endpoints from {}: {}", base, e.toString());
                }
            }
            synchronized (this) {
                // Stamped even on failure, as Patroni does: a dead control plane is not asked again on every call.
                refreshedAtMillis = ticker.monotonicMillis();
                refreshedOnce = true;
                if (read == null) return;
                Collections.shuffle(read, random);
                if (!read.equals(servers)) LOG.debug("Kubernetes API servers: {}", read);
                servers = List.copyOf(read);
                if (!servers.contains(current)) {
                    current = servers.get(0);
                    LOG.info("Selected new Kubernetes API server endpoint {}", current);
                }
            }
        } finally {
            refreshing.unlock();
        }
    }

    /**
     * The API server addresses of a {@code kubernetes} Endpoints object: each address of the first subset with a port
     * named {@code https} and protocol TCP (absent means TCP, the API's default), in the object's order.
     *
     * @param scheme {@code https} in a Pod; the connection's own scheme, so that a plain-http test server works too
     */
    static List<URI> addresses(JsonNode endpoints, String scheme) {
        List<URI> out = new ArrayList<>();
        if (endpoints == null) return out;
        for (JsonNode subset : endpoints.path("subsets")) {
            for (JsonNode port : subset.path("ports")) {
                if (!"https".equals(port.path("name").asText())
                        || !"TCP".equals(port.path("protocol").asText("TCP")) || !port.path("port").canConvertToInt()) {
                    continue;
                }
                for (JsonNode address : subset.path("addresses")) {
                    String ip = address.path("ip").asText("");
                    if (ip.isEmpty()) continue;
                    String host = ip.contains(":") ? "[" + ip + "]" : ip;
                    out.add(URI.create(scheme + "://" + host + ":" + port.path("port").asInt()));
                }
                if (!out.isEmpty()) return out;
            }
        }
        return out;
    }
}
