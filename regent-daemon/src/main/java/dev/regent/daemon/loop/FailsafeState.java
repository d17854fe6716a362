package dev.regent.daemon.loop;

import dev.regent.core.ha.FailsafeLeader;
import java.util.Map;
import java.util.TreeMap;

/**
 * This node's failsafe-mode state (Patroni's {@code dcs.failsafe} and {@code ha.Failsafe}): the last known
 * {@code /failsafe} topology, and when failsafe mode last kept a primary up or last accepted a primary's
 * {@code POST /failsafe}. Thread-safe: the HA loop writes it, REST worker threads accept requests and read it.
 * Times are monotonic milliseconds of the loop's ticker.
 */
public final class FailsafeState {
    private final String ownApiUrl;
    private Map<String, String> topology;
    /** When failsafe was last confirmed (primary) or a request accepted (replica); 0 = never / reset. */
    private long lastUpdateMillis;
    private FailsafeLeader accepted;
    /** When failsafe mode last kept this node leading (every member accepted); 0 = not since the last reset. */
    private long keptLeadingAt;

    /** @param ownApiUrl this node's {@code api_url}, added to the topology it writes when its member key is missing */
    public FailsafeState(String ownApiUrl) {
        this.ownApiUrl = ownApiUrl;
    }

    public String ownApiUrl() {
        return ownApiUrl;
    }

    /** The last {@code /failsafe} value read or written (null: absent or not an object). */
    public synchronized Map<String, String> topology() {
        return topology;
    }

    /** Remember {@code value} as the last known {@code /failsafe} (after a read, or a successful write). */
    public synchronized void setTopology(Map<String, String> value) {
        if (value == null) {
            topology = null;
            return;
        }
        Map<String, String> clean = new TreeMap<>();
        value.forEach((k, v) -> {
            if (k != null && v != null) clean.put(k, v);
        });
        topology = Map.copyOf(clean);
    }

    /** A primary in failsafe kept running at {@code nowMillis} (Patroni's set_is_active(time.time())). */
    public synchronized void keptLeading(long nowMillis) {
        lastUpdateMillis = nowMillis;
        keptLeadingAt = nowMillis;
    }

    /** This node works with the DCS as the leader, or was promoted: failsafe is no longer active here. */
    public synchronized void reset() {
        lastUpdateMillis = 0;
        keptLeadingAt = 0;
        accepted = null;
    }

    /** A primary's {@code POST /failsafe} without {@code slots} was accepted at {@code nowMillis}. */
    public void accept(String name, String apiUrl, String connUrl, long nowMillis) {
        accept(name, apiUrl, connUrl, null, nowMillis);
    }

    /**
     * A primary's {@code POST /failsafe} was accepted at {@code nowMillis} (Patroni's Failsafe.update): its urls and
     * its {@code slots} (slot name to LSN, null when none) are kept until the next request or a reset.
     */
    public synchronized void accept(String name, String apiUrl, String connUrl, Map<String, Long> slots,
                                    long nowMillis) {
        lastUpdateMillis = nowMillis;
        accepted = new FailsafeLeader(name, apiUrl, connUrl, nowMillis, slots);
    }

    /** When failsafe mode last kept this node leading without the DCS, 0 when not since it led with the DCS. */
    public synchronized long keptLeadingAt() {
        return keptLeadingAt;
    }

    /** The primary accepted last, or null. */
    public synchronized FailsafeLeader accepted() {
        return accepted;
    }

    /** Failsafe mode is active: confirmed or accepted less than ttl ago (Patroni's Failsafe.is_active). */
    public synchronized boolean isActive(long nowMillis, int ttlSeconds) {
        return lastUpdateMillis > 0 && lastUpdateMillis + ttlSeconds * 1000L > nowMillis;
    }
}
