package dev.regent.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bin/bench}: builds a real 3-node cluster on etcd, then one on the embedded Raft DCS, and prints the figures
 * of the README's benchmark table side by side: time to a healthy cluster, switchover write gap and POST time, crash
 * recovery, failover after host loss, a leader's daemon frozen longer than ttl ({@link FrozenLeader}: SIGCONT to the
 * old primary read-only), GET /primary throughput and p99, RSS, threads and idle CPU of a node process, and at the
 * end {@code bin/regent demo}'s Ctrl-C to every process stopped ({@link DemoStop}). {@code --footprint} (run by
 * {@link FootprintBench}) measures the idle footprint beside Patroni 3.0.2 in the same run.
 * Usage: {@code Benchmark [ttl loop_wait retry] [--dcs etcd|raft|both] [--frozen]}; {@code --frozen}: only the
 * frozen-daemon step after the start; {@code --sync}: the synchronous-mode figures beside async
 * ({@link SyncBenchmark}); {@code --haproxy}: only switchovers with the writer going through a real HAProxy
 * ({@link ClusterHaproxy}, configured by {@code regentctl haproxy-config}: checks {@code inter 1s fall 2 rise 1} as
 * in the Patroni baseline), the client-visible gap of each; {@code --switchovers N}: only N switchovers in a row
 * (the first is the one the whole benchmark reports; later ones show warm code).
 */
public final class Benchmark {
    static Map<String, String> current = new LinkedHashMap<>();
    /** {@code --switchovers N}: only N switchovers in a row after the start (0: the whole benchmark). */
    private static int switchoversOnly;

    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        List<String> nums = new ArrayList<>();
        String dcs = "both";
        boolean sync = false;
        boolean frozenOnly = false;
        boolean haproxyOnly = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--switchovers") && i + 1 < args.length) {
                switchoversOnly = Integer.parseInt(args[++i]);
                continue;
            }
            if (args[i].equals("--dcs") && i + 1 < args.length) dcs = args[++i];
            else if (args[i].equals("--sync")) sync = true;
            else if (args[i].equals("--frozen")) frozenOnly = true;
            else if (args[i].equals("--haproxy")) haproxyOnly = true;
            else nums.add(args[i]);
        }
        int ttl = nums.size() > 0 ? Integer.parseInt(nums.get(0)) : 30;
        int loopWait = nums.size() > 1 ? Integer.parseInt(nums.get(1)) : 10;
        int retry = nums.size() > 2 ? Integer.parseInt(nums.get(2)) : 10;
        if (sync) {
            SyncBenchmark.run(ttl, loopWait, retry);
            return;
        }
        List<String> backends = dcs.equals("both") ? List.of("etcd", "raft") : List.of(dcs);
        Map<String, Map<String, String>> results = new LinkedHashMap<>();
        for (String b : backends) {
            if (!b.equals("etcd") && !b.equals("raft")) throw new IllegalArgumentException("--dcs etcd|raft|both");
            System.out.printf("Regent benchmark: 3 nodes, %s, PostgreSQL 15, ttl=%d loop_wait=%d retry_timeout=%d%n",
                    b.equals("etcd") ? "etcd v3" : "embedded Raft", ttl, loopWait, retry);
            current = new LinkedHashMap<>();
            results.put(b, current);
            run(b.equals("raft"), ttl, loopWait, retry, frozenOnly, haproxyOnly);
            results.put(b, current);
        }
        System.out.printf("%n%-62s", "figure");
        for (String b : backends) System.out.printf(" %-34s", b.equals("etcd") ? "etcd v3" : "embedded Raft");
        System.out.println();
        for (String figure : results.get(backends.get(0)).keySet()) {
            System.out.printf("%-62s", figure);
            for (String b : backends) System.out.printf(" %-34s", results.get(b).getOrDefault(figure, "-"));
            System.out.println();
        }
        if (!frozenOnly && !haproxyOnly && switchoversOnly == 0) {
            System.out.println();
            DemoStop.runAndPrint(); // ~20 s; the Patroni comparison is bin/bench --footprint (FootprintBench)
        }
    }

    private static void run(boolean raft, int ttl, int loopWait, int retry, boolean frozenOnly, boolean haproxyOnly)
            throws Exception {
        try (LocalCluster c = raft ? LocalCluster.startOnRaft(3, ttl, loopWait, retry)
                : LocalCluster.start(3, ttl, loopWait, retry)) {
            ClusterView healthy = c.awaitHealthy(Duration.ofSeconds(180));
            print("nodes started -> leader + all replicas streaming", secs(System.nanoTime() - c.nodesStartedNanos()));
            if (frozenOnly) {
                frozen(c, ttl);
                return;
            }
            if (haproxyOnly) {
                throughHaproxy(c, 3);
                return;
            }
            if (switchoversOnly > 0) {
                // the first switchover of a cluster is the one bin/bench reports; the later ones run warm code
                for (int i = 1; i <= switchoversOnly; i++) {
                    switchover(c);
                    current = renamed(current, "switchover: ", "switchover " + i + ": ");
                }
                return;
            }
            idle(c, healthy.leader().name());
            restThroughput(c, c.index(healthy.leader().name()));
            switchover(c);
            crash(c);
            failover(c, ttl);
            frozen(c, ttl);
        }
    }

    private static Map<String, String> renamed(Map<String, String> figures, String prefix, String to) {
        Map<String, String> out = new LinkedHashMap<>();
        figures.forEach((k, v) -> out.put(k.startsWith(prefix) ? to + k.substring(prefix.length()) : k, v));
        return out;
    }

    static void print(String what, String value) {
        current.put(what, value);
        System.out.printf("%-62s %s%n", what, value);
    }

    static String secs(long nanos) {
        return String.format("%.2f s", nanos / 1e9);
    }

    private static void idle(LocalCluster c, String leader) throws Exception {
        RegentNode n = c.node(c.index(leader));
        Thread.sleep(20_000); // let start-up compilation settle
        long cpu0 = cpuTicks(n.pid());
        long t = System.nanoTime();
        Thread.sleep(40_000);
        long cpu1 = cpuTicks(n.pid());
        double perMinute = (cpu1 - cpu0) / 100.0 / ((System.nanoTime() - t) / 60e9);
        print("leader node RSS at idle", rssMb(n.pid()) + " MB");
        print("leader node threads at idle", Integer.toString(ProcStat.threadCount(n.pid())));
        print("leader node idle CPU", String.format("%.2f s/min", perMinute));
    }

    private static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return -1;
    }

    private static String rssMb(long pid) throws Exception {
        return String.format("%.1f", rssKb(pid) / 1024.0);
    }

    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static void restThroughput(LocalCluster c, int leader) throws Exception {
        String url = "http://127.0.0.1:" + c.layout().restPort(leader) + "/primary";
        if (new java.io.File("/usr/bin/wrk").canExecute()) {
            // wrk in its own process: the client must not share the JVM (and its JIT) with the measurement.
            Process p = new ProcessBuilder("wrk", "-t2", "-c4", "-d10s", "--latency", url).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            print("GET /primary on the leader (wrk, 4 keep-alive connections)", String.format("%s req/s, p50 %s,"
                    + " p99 %s", wrkValue(out, "Requests/sec:"), wrkValue(out, "50%"), wrkValue(out, "99%")));
            return;
        }
        System.err.println("wrk is not installed (apt-get install -y wrk): GET /primary is measured with a client in"
                + " the benchmark's JVM, which is far slower than wrk; the README's figures are wrk's");
        int threads = 4;
        Duration d = Duration.ofSeconds(5);
        URI uri = URI.create("http://127.0.0.1:" + c.layout().restPort(leader) + "/primary");
        List<long[]> lat = new ArrayList<>();
        AtomicBoolean run = new AtomicBoolean(true);
        List<Thread> ts = new ArrayList<>();
        long[] counts = new long[threads];
        for (int i = 0; i < threads; i++) {
            long[] mine = new long[2_000_000];
            lat.add(mine);
            int idx = i;
            Thread th = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpRequest req = HttpRequest.newBuilder(uri).GET().build();
                int k = 0;
                while (run.get() && k < mine.length) {
                    long s = System.nanoTime();
                    try {
                        client.send(req, HttpResponse.BodyHandlers.discarding());
                    } catch (Exception e) {
                        continue;
                    }
                    mine[k++] = System.nanoTime() - s;
                }
                counts[idx] = k;
            });
            ts.add(th);
        }
        // warm-up so the JIT of both sides does not count
        long start = System.nanoTime();
        ts.forEach(Thread::start);
        Thread.sleep(d.toMillis());
        run.set(false);
        for (Thread th : ts) th.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long total = Arrays.stream(counts).sum();
        long[] all = new long[(int) total];
        int p = 0;
        for (int i = 0; i < threads; i++) {
            System.arraycopy(lat.get(i), 0, all, p, (int) counts[i]);
            p += counts[i];
        }
        Arrays.sort(all);
        print("GET /primary on the leader (4 keep-alive connections)", String.format("%.0f req/s, p50 %.2f ms,"
                + " p99 %.2f ms", total / elapsed, all[(int) (total * 0.50)] / 1e6, all[(int) (total * 0.99)] / 1e6));
    }

    /** The value after {@code label} on wrk's output line that starts with it ("?" when missing). */
    private static String wrkValue(String out, String label) {
        return out.lines().map(String::trim).filter(l -> l.startsWith(label)).findFirst()
                .map(l -> l.substring(label.length()).trim().split("\\s+")[0]).orElse("?");
    }

    private static void switchover(LocalCluster c) throws Exception {
        ClusterView before = c.awaitHealthy(Duration.ofSeconds(120));
        String leader = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(x -> !x.equals(leader)).findFirst()
                .orElseThrow();
        try (Writer w = new Writer(c::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD, 20)
                .start()) {
            Thread.sleep(2000);
            long s = System.nanoTime();
            HttpResponse<String> r = c.rest(c.index(leader), "POST", "/switchover",
                    new ObjectMapper().writeValueAsString(Map.of("leader", leader, "candidate", candidate)));
            long postNanos = System.nanoTime() - s;
            Thread.sleep(3000);
            w.close();
            print("switchover: POST /switchover answered", secs(postNanos) + " (" + r.statusCode() + ")");
            print("switchover: longest gap between acknowledged writes",
                    String.format("%.2f s", w.longestGapMillis(s - 1_000_000_000L) / 1000));
        }
        long s = System.nanoTime();
        c.awaitHealthy(Duration.ofSeconds(120));
        print("switchover: old leader streaming again (after the POST)", secs(System.nanoTime() - s));
    }

    /**
     * {@code rounds} switchovers with one writer connected through HAProxy's primary listener (it knows nothing of
     * the members): the longest gap between its acknowledged writes is what a client of HAProxy sees, the
     * switchover itself plus HAProxy's checks finding the new primary (up to {@code inter 1s} after it answers
     * {@code /primary} with 200, {@code rise 1}). Machine load printed beside it: the figure moves with it.
     */
    private static void throughHaproxy(LocalCluster c, int rounds) throws Exception {
        c.awaitHealthy(Duration.ofSeconds(120));
        List<Double> gaps = new ArrayList<>();
        try (ClusterHaproxy h = ClusterHaproxy.start(c)) {
            for (int round = 1; round <= rounds; round++) {
                ClusterView before = c.awaitHealthy(Duration.ofSeconds(120));
                String leader = before.leader().name();
                String candidate = before.members().stream().map(m -> m.name()).filter(x -> !x.equals(leader))
                        .findFirst().orElseThrow();
                h.awaitPrimary(leader, Duration.ofSeconds(60));
                String load = loadAverage();
                try (Writer w = new Writer(h::primaryJdbcUrl, LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD,
                        20, "bench_haproxy_writes").start()) {
                    Thread.sleep(2000);
                    long s = System.nanoTime();
                    HttpResponse<String> r = c.rest(c.index(leader), "POST", "/switchover",
                            new ObjectMapper().writeValueAsString(Map.of("leader", leader, "candidate", candidate)));
                    long posted = System.nanoTime();
                    if (r.statusCode() != 200) throw new IllegalStateException("switchover: " + r.body());
                    // when HAProxy's checks saw the change: the old primary DOWN (fall 2), the new one UP (rise 1)
                    long oldDown = -1;
                    long newUp = -1;
                    while ((oldDown < 0 || newUp < 0) && System.nanoTime() - posted < 30_000_000_000L) {
                        Map<String, String> st = h.process().serverStatuses(h.primaryProxy());
                        if (oldDown < 0 && !"UP".equals(st.get(leader))) oldDown = System.nanoTime();
                        if (newUp < 0 && "UP".equals(st.get(candidate))) newUp = System.nanoTime();
                        Thread.sleep(20);
                    }
                    int port = h.pgPort(candidate);
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (w.acks().stream().noneMatch(a -> a.serverPort() == port) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(2000);
                    w.close();
                    if (w.acks().stream().noneMatch(a -> a.serverPort() == port)) {
                        throw new IllegalStateException("no write through HAProxy reached " + candidate + " in 60 s");
                    }
                    double gap = w.longestGapMillis(s - 1_000_000_000L) / 1000;
                    gaps.add(gap);
                    print("switchover through HAProxy #" + round + ": longest gap", String.format("%.2f s (load %s;"
                            + " after the POST: answered %.2f s, old primary not UP %.2f s, new primary UP %.2f s)",
                            gap, load, (posted - s) / 1e9, (oldDown - s) / 1e9, (newUp - s) / 1e9));
                }
                c.awaitHealthy(Duration.ofSeconds(120));
            }
        }
        List<Double> sorted = gaps.stream().sorted().toList();
        print("switchover through HAProxy (inter 1s fall 2 rise 1): gap", String.format("%.2f s [%.2f-%.2f]",
                sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1)));
    }

    /** The 1-minute load average of the machine ({@code /proc/loadavg}). */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static void crash(LocalCluster c) throws Exception {
        String leader = c.awaitHealthy(Duration.ofSeconds(120)).leader().name();
        c.killPostmaster(c.index(leader));
        long s = System.nanoTime();
        awaitWrite(c.primaryJdbcUrl(), Duration.ofSeconds(120));
        print("postmaster kill -9 on the leader: writes succeed again", secs(System.nanoTime() - s));
    }

    /** Host loss of the leader at a random moment; returns the nanoseconds from the kill to the first write. */
    static long failover(LocalCluster c, int ttl) throws Exception {
        ClusterView before = c.awaitHealthy(Duration.ofSeconds(120));
        String leader = before.leader().name();
        int li = c.index(leader);
        // Kill at a random moment; the dead leader's key leaving the store is observed (LeaseExpiryWatch): on etcd v3
        // a renewal is a lease keep-alive that changes nothing a reader sees, so it cannot be timed from outside.
        Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1000, 10_000));
        String session = c.cluster().leader().session();
        c.node(li).kill9();
        c.killPostmaster(li);
        long s = System.nanoTime();
        LeaseExpiryWatch watch = new LeaseExpiryWatch(c, leader, session);
        awaitWrite(c.primaryJdbcUrl(), Duration.ofSeconds(180));
        long took = System.nanoTime() - s;
        long expired = watch.awaitExpiry(Duration.ofSeconds(10));
        watch.close();
        double leaseLeft = (expired - s) / 1e9;
        print("host loss (kill -9 regent + postmaster): first write", secs(took));
        print("  of which the dead leader's lease was still valid", String.format("%.1f s", leaseLeft));
        print("  first write after the lease expired", String.format("%.2f s", took / 1e9 - leaseLeft));
        c.node(li).start();
        long r = System.nanoTime();
        c.awaitHealthy(Duration.ofSeconds(180));
        print("host loss: restarted old leader streaming again", secs(System.nanoTime() - r));
        return took;
    }

    /**
     * Issue 15: the leader's daemon frozen (SIGSTOP) until another node is primary, with writes sent to the old
     * primary directly ({@link FrozenLeader}). The old primary acknowledges writes from the new lock until it demotes
     * (how long depends on the freeze: here until the new primary took a write, plus 2 s); the figure to watch is
     * SIGCONT to read-only. Then the rejoin, and how many of the acknowledged writes the new timeline lacks.
     */
    private static void frozen(LocalCluster c, int ttl) throws Exception {
        FrozenLeader.Result r;
        try {
            r = FrozenLeader.run(c, ttl, Duration.ofSeconds(120));
        } catch (Exception | AssertionError e) {
            print("frozen daemon: failed", e.toString().lines().findFirst().orElse(""));
            return;
        }
        print("frozen daemon (SIGSTOP > ttl): new leader after SIGSTOP", secs(r.newLeaderSeenAt() - r.stoppedAt()));
        print("frozen daemon: SIGCONT to old primary read-only", r.readOnlyAt() < 0 ? "not within 120 s"
                : String.format("%.3f s", r.resumeToReadOnlySeconds()));
        List<LsnWriter.Ack> during = r.acksAfterNewLeader();
        double acking = during.isEmpty() ? 0 : (during.get(during.size() - 1).atNanos() - r.newLeaderSeenAt()) / 1e9;
        print("frozen daemon: old primary acked writes after the new lock", String.format("%.2f s, %d writes"
                + " (SIGCONT %.2f s after the new lock)", acking, during.size(),
                (r.continuedAt() - r.newLeaderSeenAt()) / 1e9));
        print("frozen daemon: of those, committed before the fork", String.format("%d (fork %s)",
                during.stream().filter(a -> a.before(r.forkLsn())).count(), LsnWriter.format(r.forkLsn())));
        c.await("healthy with " + r.newLeader() + " leading", Duration.ofSeconds(180),
                v -> dev.regent.daemon.demo.Demo.healthy(v, 3) && r.newLeader().equals(v.leader().name()));
        print("frozen daemon: old primary streaming again (after SIGCONT)", secs(System.nanoTime() - r.continuedAt()));
        java.util.Set<Long> present = new java.util.HashSet<>();
        try (Connection conn = DriverManager.getConnection(c.jdbcUrl(c.index(r.newLeader())), LocalCluster.SUPERUSER,
                LocalCluster.SUPERUSER_PASSWORD); Statement st = conn.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT id FROM " + FrozenLeader.OLD_TABLE)) {
            while (rs.next()) present.add(rs.getLong(1));
        }
        long lost = r.acks().stream().filter(a -> !present.contains(a.id())).count();
        print("frozen daemon: acknowledged writes lost (asynchronous)", String.format("%d of %d (%d committed past"
                + " the fork)", lost, r.acks().size(), r.pastFork().size()));
    }

    static void awaitWrite(String url, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection conn = DriverManager.getConnection(url + "&connectTimeout=1&socketTimeout=2",
                    LocalCluster.SUPERUSER, LocalCluster.SUPERUSER_PASSWORD); Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS bench_probe (v int); INSERT INTO bench_probe VALUES (1)");
                return;
            } catch (SQLException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no successful write within " + timeout);
    }
}
