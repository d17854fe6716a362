package dev.regent.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's timing profile: the dynamic configuration's ttl/loop_wait/retry_timeout (and whether they need Regent's
 * fast failover profile, {@code regent.fast_failover}), the fault window, and a factor on how long faults last. The
 * standard profile is Patroni's defaults; the fast one is the fast failover profile's floors, with faults five times
 * closer together and 0.4 times as long, so that a run holds as many faults per ttl as a standard one while it covers
 * less simulated time. Fixed durations of the model itself (promotion, base backup, a peer's 2 s REST timeout, a
 * request delay) are not scaled: against a ttl of 6 s they are relatively longer, which is what the profile must
 * survive.
 *
 * @param faultsFrom  first moment a fault may start (ms; the cluster is bootstrapped by then)
 * @param faultsUntil every fault is over by then; the cluster is healed at that moment
 * @param faultScale  factor on the durations of faults drawn in absolute time (kills, cuts, partitions, stalls, ...)
 */
record SimTimings(String name, int ttlS, int loopWaitS, int retryTimeoutS, boolean fastFailover, long faultsFrom,
                  long faultsUntil, double faultScale) {
    static final SimTimings STANDARD = new SimTimings("standard", SimCluster.TTL_S, SimCluster.LOOP_WAIT_S,
            SimCluster.RETRY_TIMEOUT_S, false, SimCluster.FAULTS_FROM, SimCluster.FAULTS_UNTIL, 1.0);
    static final SimTimings FAST = new SimTimings("fast", 6, 1, 2, true, 30_000, 120_000, 0.4);

    /** By command-line name: standard or fast. */
    static SimTimings byName(String name) {
        return switch (name) {
            case "standard" -> STANDARD;
            case "fast" -> FAST;
            default -> throw new IllegalArgumentException("unknown profile '" + name + "' (standard, fast)");
        };
    }

    long ttlMillis() {
        return ttlS * 1000L;
    }

    /**
     * Invariant 1's margin: a primary must stop accepting writes within loop_wait + retry_timeout after its lock
     * expired (its next cycle, plus one DCS retry budget for the call that finds the lock gone).
     */
    long marginMillis() {
        return (loopWaitS + retryTimeoutS) * 1000L;
    }

    /** The timing keys of {@code bootstrap.dcs}. */
    Map<String, Object> dynamicKeys() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttl", ttlS);
        m.put("loop_wait", loopWaitS);
        m.put("retry_timeout", retryTimeoutS);
        if (fastFailover) m.put("regent", Map.of("fast_failover", true));
        return m;
    }
}
