package dev.regent.sim;

import java.util.Locale;

/**
 * One fault of a run's schedule, drawn from the seeded PRNG before the run starts.
 *
 * @param at       when it starts (simulated ms)
 * @param kind     what happens
 * @param node     the node it hits (index), -1 when it is cluster-wide
 * @param duration how long it lasts (ms) where that applies; 0 otherwise
 * @param other    a second node (index) where that applies (the candidate of a switchover), -1 otherwise
 * @param amount   a size where that applies (the delay of REST answers, the extra time of slow operations), ms
 */
public record Fault(long at, Kind kind, int node, long duration, int other, long amount) {
    /** The faults the simulator injects. */
    public enum Kind {
        /** kill -9 of the daemon and postgres; the daemon comes back after duration (as a supervisor restarts it). */
        KILL,
        /** postgres alone crashes (the daemon sees it stopped and recovers it). */
        PG_CRASH,
        /** The daemon is stopped (SIGSTOP) for duration: no cycles, no REST answers; postgres keeps running. */
        FREEZE,
        /** The DCS is unreachable from one node for duration. */
        DCS_CUT,
        /** The DCS is unreachable from every node for duration. */
        DCS_CUT_ALL,
        /** The node is cut off from the other nodes (REST and replication) and, when amount is 1, from the DCS. */
        PARTITION,
        /** promote and stop take amount ms more for duration. */
        SLOW_PG,
        /** REST answers from the node are lost for duration. */
        REST_LOSS,
        /** REST answers from the node are late by amount ms for duration (over 2 s: the prober gives up). */
        REST_DELAY,
        /** The node's walreceiver stalls for duration (replication lag). */
        REPLICATION_STALL,
        /** Operator: switchover from the leader to node {@code other} (-1: any healthy member). */
        SWITCHOVER,
        /** Operator: failover to node {@code other}. */
        FAILOVER,
        /** Operator: pause (maintenance mode) for duration, then resume. */
        PAUSE
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.3fs %s", at / 1000.0, kind));
        if (node >= 0) b.append(" n").append(node);
        if (other >= 0) b.append(" -> n").append(other);
        if (duration > 0) b.append(String.format(Locale.ROOT, " for %.1fs", duration / 1000.0));
        if (amount > 0) b.append(" amount=").append(amount);
        return b.toString();
    }
}
