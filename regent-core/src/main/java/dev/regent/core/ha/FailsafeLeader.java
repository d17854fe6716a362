package dev.regent.core.ha;

/**
 * The primary whose {@code POST /failsafe} this node accepted last (Patroni's {@code Failsafe.update}): while it is
 * fresher than ttl and the cluster has no leader key, this node treats that primary as the leader and does not race.
 *
 * @param name             the primary's member name
 * @param apiUrl           its REST API URL
 * @param connUrl          its PostgreSQL connection URL
 * @param acceptedAtMillis when the request was accepted, monotonic milliseconds (same source as
 *                         {@link HaInput#nowMillis()})
 */
public record FailsafeLeader(String name, String apiUrl, String connUrl, long acceptedAtMillis) {
    /** Accepted less than {@code ttlSeconds} before {@code nowMillis}. */
    public boolean freshAt(long nowMillis, int ttlSeconds) {
        return acceptedAtMillis + ttlSeconds * 1000L > nowMillis;
    }
}
