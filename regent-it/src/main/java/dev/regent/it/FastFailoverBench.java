package dev.regent.it;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code bin/bench --fast-failover [--runs 5]}: host loss (kill -9 of the leader's daemon and postmaster) to the first
 * acknowledged write on the new primary, with Regent's fast failover profile (ttl 6, loop_wait 1, retry_timeout 2,
 * {@code regent.fast_failover}) on a 3-node etcd cluster. The cluster starts with 20/2/4 and is switched to the profile
 * by {@code PATCH /config}, as an operator would; each run kills the leader at a random moment (1-10 s after the
 * cluster is healthy, so at a random phase of the 1 s renewal) and restarts it. Prints every run, then the median and
 * the range. Measured with {@link Benchmark}'s host-loss step.
 */
public final class FastFailoverBench {
    static final String PROFILE = "{\"ttl\": 6, \"loop_wait\": 1, \"retry_timeout\": 2,"
            + " \"regent\": {\"fast_failover\": true}}";

    private FastFailoverBench() {}

    public static void main(String[] args) throws Exception {
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runs") && i + 1 < args.length) runs = Integer.parseInt(args[++i]);
        }
        System.out.printf("Regent fast failover benchmark: 3 nodes, etcd v3, PostgreSQL 15, ttl=6 loop_wait=1"
                + " retry_timeout=2 (regent.fast_failover), %d runs, load average %s%n", runs, Benchmark.loadAverage());
        List<Double> took = new ArrayList<>();
        try (LocalCluster c = LocalCluster.start(3, 20, 2, 4)) {
            c.awaitHealthy(Duration.ofSeconds(180));
            HttpResponse<String> r = c.rest(0, "PATCH", "/config", PROFILE);
            if (r.statusCode() != 200) throw new IllegalStateException("PATCH /config: " + r.body());
            awaitProfile(c, Duration.ofSeconds(60));
            for (int i = 1; i <= runs; i++) {
                System.out.printf("-- run %d%n", i);
                took.add(Benchmark.failover(c, 6) / 1e9);
            }
        }
        List<Double> sorted = new ArrayList<>(took);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        System.out.printf("host loss to first write, fast profile: median %.2f s, range %.2f-%.2f s (runs: %s)%n",
                median, sorted.get(0), sorted.get(sorted.size() - 1), took.stream()
                        .map(t -> String.format("%.2f", t)).toList());
    }

    /** Every daemon logged that the profile is in force (each logs it once, when it changes). */
    private static void awaitProfile(LocalCluster c, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < 3; i++) {
                all &= Files.readString(c.node(i).log()).contains("fast failover profile in force: ttl=6");
            }
            if (all) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("the fast failover profile was not in force on every node within " + timeout);
    }
}
