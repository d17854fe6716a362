package dev.regent.it;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What three HA agents, their PostgreSQL servers and the DCS process cost while a cluster idles, measured from
 * {@code /proc} over one window: per agent its RSS and thread count at the end of the window and its CPU (its own and
 * that of any helper process it ran, not its postmaster's), the CPU of each postmaster's process tree, and the CPU of
 * the DCS process (etcd) when one runs apart from the agents. One agent's threads are also recorded, to list where its
 * CPU went.
 *
 * @param rssMb          per agent, at the end of the window
 * @param threads        per agent, at the end of the window
 * @param cpuPerMin      per agent, seconds of CPU per minute of the window
 * @param postgresPerMin the three postmaster trees together, seconds of CPU per minute
 * @param dcsPerMin      the DCS process (etcd), seconds per minute; NaN when no such process (embedded Raft)
 * @param threadTicks    per thread of the listed agent: "name (tid)" to its ticks during the window
 * @param load           the machine's 1-minute load average at the end of the window
 * @param minutes        the window's length as measured
 */
public record IdleWindow(List<Double> rssMb, List<Integer> threads, List<Double> cpuPerMin, double postgresPerMin,
                         double dcsPerMin, Map<String, Long> threadTicks, String load, double minutes) {

    /**
     * Measure for {@code windowMillis}: {@code agents} are the HA agents' pids, {@code postmasters} their
     * PostgreSQL servers' postmaster pids, {@code dcsPid} the etcd process or -1, {@code listThreadsOf} the agent
     * whose threads are listed.
     */
    public static IdleWindow measure(List<Long> agents, List<Long> postmasters, long dcsPid, long listThreadsOf,
                                     long windowMillis) throws InterruptedException {
        Set<Integer> pm = new HashSet<>();
        postmasters.forEach(p -> pm.add(p.intValue()));
        List<ProcStat> before = ProcStat.all();
        Map<Integer, ProcStat> threadsBefore = ProcStat.threads(listThreadsOf);
        long t0 = System.nanoTime();
        Thread.sleep(windowMillis);
        List<ProcStat> after = ProcStat.all();
        Map<Integer, ProcStat> threadsAfter = ProcStat.threads(listThreadsOf);
        double minutes = (System.nanoTime() - t0) / 60e9;
        List<Double> rss = new ArrayList<>();
        List<Integer> threads = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (long a : agents) {
            requireAlive(a, after, "agent");
            rss.add(ProcStat.rssKb(a) / 1024.0);
            threads.add(ProcStat.threadCount(a));
            cpu.add(perMinute(ProcStat.treeTicks(a, after, pm) - ProcStat.treeTicks(a, before, pm), minutes));
        }
        long pgTicks = 0;
        for (long p : postmasters) {
            requireAlive(p, after, "postmaster");
            pgTicks += ProcStat.treeTicks(p, after, Set.of()) - ProcStat.treeTicks(p, before, Set.of());
        }
        double dcs = Double.NaN;
        if (dcsPid > 0) {
            requireAlive(dcsPid, after, "etcd");
            dcs = perMinute(ProcStat.treeTicks(dcsPid, after, Set.of()) - ProcStat.treeTicks(dcsPid, before,
                    Set.of()), minutes);
        }
        return new IdleWindow(rss, threads, cpu, perMinute(pgTicks, minutes), dcs,
                threadTicks(threadsBefore, threadsAfter), Benchmark.loadAverage(), minutes);
    }

    /** Ticks per thread during the window; a thread born in it counts all its ticks, one that ended is not seen. */
    static Map<String, Long> threadTicks(Map<Integer, ProcStat> before, Map<Integer, ProcStat> after) {
        Map<String, Long> out = new HashMap<>();
        for (ProcStat t : after.values()) {
            ProcStat b = before.get(t.pid());
            long d = b != null && b.startTime() == t.startTime() ? t.ticks() - b.ticks() : t.ticks();
            out.put(t.comm() + " (" + t.pid() + ")", d);
        }
        return out;
    }

    /** The {@code n} threads with most ticks (at least one), most first (ties by name). */
    public List<Map.Entry<String, Long>> topThreads(int n) {
        return threadTicks.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).limit(n).toList();
    }

    private static void requireAlive(long pid, List<ProcStat> table, String what) {
        if (table.stream().noneMatch(s -> s.pid() == pid)) {
            throw new IllegalStateException(what + " " + pid + " ended during the idle window");
        }
    }

    static double perMinute(long ticks, double minutes) {
        return ticks / ProcStat.TICKS_PER_SECOND / minutes;
    }

    /** The median of a few values (the mean of the middle two for an even count). */
    static double median(List<? extends Number> values) {
        List<Double> s = values.stream().map(Number::doubleValue).sorted(Comparator.naturalOrder()).toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double max(List<? extends Number> values) {
        return values.stream().mapToDouble(Number::doubleValue).max().orElse(Double.NaN);
    }
}
