package dev.regent.core.ha;

import java.util.Map;

/**
 * The primary whose {@code POST /failsafe} this node accepted last (Patroni's {@code Failsafe.update}): while it is
 * fresher than ttl and the cluster has no leader key, this node treats that primary as the leader and does not race.
 *
 * @param name             the primary's member name
 * @param apiUrl           its REST API URL
 * @param connUrl          its PostgreSQL connection URL
 * @param acceptedAtMillis when the request was accepted, monotonic milliseconds (same source as
 *                         {@link HaInput#nowMillis()})
 * @param slots            the request's {@code slots}: the primary's replication slot positions by slot name (Patroni
 *                         3+), which stand in for {@code /status.slots} while failsafe mode is active; empty when the
 *                         request had none (or {@code null})
 */
public record FailsafeLeader(String name, String apiUrl, String connUrl, long acceptedAtMillis,
                             Map<String, Long> slots) {
    public FailsafeLeader {
        slots = slots == null ? Map.of() : Map.copyOf(slots);
    }

    /** A request without {@code slots}. */
    public FailsafeLeader(String name, String apiUrl, String connUrl, long acceptedAtMillis) {
        this(name, apiUrl, connUrl, acceptedAtMillis, null);
    }

    /** Accepted less than {@code ttlSeconds} before {@code nowMillis}. */
    public boolean freshAt(long nowMillis, int ttlSeconds) {
        return acceptedAtMillis + ttlSeconds * 1000L > nowMillis;
    }
}
