package dev.regent.sim;

import dev.regent.sim.Fault.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws a run's fault schedule from its PRNG: between one and {@link #MAX_FAULTS} faults, each starting inside the
 * fault window and over before it ends (the cluster then heals everything, and liveness is checked).
 */
public final class FaultPlan {
    public static final int MAX_FAULTS = 8;

    private FaultPlan() {}

    /**
     * @param from      first moment a fault may start (ms; the cluster is bootstrapped by then)
     * @param until     every fault is over by then
     * @param ttlMillis the leader lock ttl, the unit of freezes
     */
    public static List<Fault> draw(SplittableRandom rnd, int nodes, long from, long until, long ttlMillis) {
        return draw(rnd, nodes, from, until, ttlMillis, 1.0);
    }

    /**
     * {@link #draw(SplittableRandom, int, long, long, long)} with the durations drawn in absolute time (not in ttl)
     * multiplied by {@code scale} (1.0: the standard profile's schedules, unchanged draw for draw).
     */
    public static List<Fault> draw(SplittableRandom rnd, int nodes, long from, long until, long ttlMillis,
                                   double scale) {
        int count = 1 + rnd.nextInt(MAX_FAULTS);
        Kind[] kinds = Kind.values();
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // one more draw for replication lag: it matters only when it meets a failover
            int k = rnd.nextInt(kinds.length + 1);
            Kind kind = k == kinds.length ? Kind.REPLICATION_STALL : kinds[k];
            int node = rnd.nextInt(nodes);
            long duration = switch (kind) {
                case KILL, DCS_CUT, PARTITION -> between(rnd, scaled(3_000, scale), scaled(90_000, scale));
                case DCS_CUT_ALL, REST_LOSS, REST_DELAY, PAUSE -> between(rnd, scaled(3_000, scale),
                        scaled(60_000, scale));
                case FREEZE -> between(rnd, 1_000, 4 * ttlMillis);
                case SLOW_PG -> between(rnd, scaled(10_000, scale), scaled(120_000, scale));
                case REPLICATION_STALL -> between(rnd, scaled(10_000, scale), scaled(150_000, scale));
                case PG_CRASH, SWITCHOVER, FAILOVER -> 0;
            };
            long at = between(rnd, from, Math.max(from + 1, until - duration));
            int other = kind == Kind.SWITCHOVER || kind == Kind.FAILOVER
                    ? (rnd.nextInt(4) == 0 ? -1 : rnd.nextInt(nodes)) : -1;
            long amount = switch (kind) {
                case REST_DELAY -> between(rnd, 100, 3_000);
                case SLOW_PG -> between(rnd, 2_000, 2 * ttlMillis);
                case PARTITION -> rnd.nextInt(2);
                default -> 0;
            };
            if (kind == Kind.DCS_CUT_ALL || kind == Kind.PAUSE) node = -1;
            if (kind == Kind.SWITCHOVER || kind == Kind.FAILOVER) node = -1;
            if (kind == Kind.FAILOVER && other < 0) other = rnd.nextInt(nodes);
            faults.add(new Fault(at, kind, node, duration, other, amount));
        }
        faults.sort(Comparator.comparingLong(Fault::at));
        return List.copyOf(faults);
    }

    private static long scaled(long millis, double scale) {
        return scale == 1.0 ? millis : Math.round(millis * scale);
    }

    static long between(SplittableRandom rnd, long lo, long hi) {
        return hi <= lo ? lo : lo + rnd.nextLong(hi - lo);
    }
}
