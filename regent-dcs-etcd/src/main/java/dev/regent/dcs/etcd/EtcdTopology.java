package dev.regent.dcs.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd endpoints the client talks to, as Patroni's machines cache. The seeds are the configured endpoints, or what
 * {@code srv} discovery finds (the configured hosts are its fallback). With {@code use_proxies: false} (the default)
 * the cluster is asked for its members ({@code /v3/cluster/member/list}) and their client URLs, shuffled, become the
 * endpoints: at the first request, when the list is older than ten times the ttl, and after a request failed on one
 * member (asked of the next). Once every endpoint failed in a row, the seeds are read again (SRV asked again) and,
 * without proxies, joined with the members last known. With {@code use_proxies: true} the seeds are the endpoints.
 * Thread-safe (all methods synchronized; {@code seeds} may block on DNS while the lock is held).
 */
final class EtcdTopology {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdTopology.class);
    static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(300);

    private final boolean useProxies;
    private final Supplier<List<URI>> seeds;
    private final Random random;
    private List<URI> endpoints = List.of();
    private int current;
    private boolean reload = true;
    private boolean refresh;
    private long refreshedAt;
    private int failuresInRow;
    private Duration cacheTtl = DEFAULT_CACHE_TTL;

    /**
     * @param useProxies talk only to the seeds
     * @param seeds      the configured endpoints or the SRV discovery's (called at start and after all failed)
     * @param random     shuffles discovered members, as Patroni does, so that nodes spread over the cluster
     */
    EtcdTopology(boolean useProxies, Supplier<List<URI>> seeds, Random random) {
        this.useProxies = useProxies;
        this.seeds = seeds;
        this.random = random;
    }

    /** Patroni asks the cluster for its members again after ten times the ttl. */
    synchronized void setCacheTtl(Duration ttl) {
        cacheTtl = ttl;
    }

    /** The endpoint to use now, or null when there is none (SRV discovery found nothing and no host is set). */
    synchronized URI current() {
        if (reload) load();
        return endpoints.isEmpty() ? null : endpoints.get(current);
    }

    /** How many endpoints there are (at least 1, for retry rounds). */
    synchronized int size() {
        if (reload) load();
        return Math.max(1, endpoints.size());
    }

    /** Whether the cluster should be asked for its members before the next request (at {@code nowNanos}). */
    synchronized boolean needsRefresh(long nowNanos) {
        return !useProxies && (refresh || nowNanos - refreshedAt > cacheTtl.toNanos());
    }

    /**
     * The cluster answered with its members' client URLs at {@code nowNanos}: they become the endpoints (shuffled),
     * the current one kept if listed. An empty answer keeps the endpoints.
     */
    synchronized void discovered(List<URI> clientUrls, long nowNanos) {
        refresh = false;
        refreshedAt = nowNanos;
        if (clientUrls.isEmpty()) return;
        URI now = endpoints.isEmpty() ? null : endpoints.get(current);
        List<URI> members = new ArrayList<>(new LinkedHashSet<>(clientUrls));
        Collections.shuffle(members, random);
        if (!Set.copyOf(members).equals(Set.copyOf(endpoints))) LOG.info("etcd members: {}", members);
        endpoints = List.copyOf(members);
        current = Math.max(0, endpoints.indexOf(now));
    }

    /** A request to {@code endpoint} succeeded. */
    synchronized void succeeded() {
        failuresInRow = 0;
    }

    /**
     * A request to {@code endpoint} failed: move on to the next endpoint (and, without proxies, ask it for the
     * members first); once all failed in a row, read the seeds again.
     */
    synchronized void failed(URI endpoint) {
        if (endpoints.isEmpty()) {
            reload = true;
            return;
        }
        if (endpoint.equals(endpoints.get(current))) current = (current + 1) % endpoints.size();
        if (!useProxies) refresh = true;
        if (++failuresInRow >= endpoints.size()) {
            failuresInRow = 0;
            reload = true;
        }
    }

    /** The endpoints known now, for messages. */
    synchronized List<URI> endpoints() {
        return endpoints;
    }

    private void load() {
        Set<URI> all = new LinkedHashSet<>(seeds.get());
        if (!useProxies) all.addAll(endpoints);
        endpoints = List.copyOf(all);
        current = 0;
        reload = endpoints.isEmpty();
        refresh = !useProxies;
        failuresInRow = 0;
    }
}
