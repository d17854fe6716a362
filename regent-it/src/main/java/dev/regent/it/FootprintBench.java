package dev.regent.it;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code bin/bench --footprint [ttl loop_wait retry] [--dcs etcd|raft|both]} ({@code --footprint --demo}: only the
 * demo's Ctrl-C): the idle footprint of Regent beside
 * Debian's Patroni 3.0.2 measured in one run, since absolute figures drift between runs on a shared machine and
 * ratios measured together do not. For Regent on etcd, Regent on the embedded Raft and Patroni on etcd (3 nodes each):
 * after a settle period, over a fixed window, per agent RSS, threads and CPU, and the idle load the agents cause on
 * etcd and on their three PostgreSQL servers; then a table with Regent/Patroni ratios. For each Regent store it also
 * lists the leader's threads by CPU and breaks one node's memory down by JVM area (Native Memory Tracking), and at the
 * end times {@code bin/regent demo}'s Ctrl-C ({@link DemoStop}).
 *
 * <p>System properties: {@code regent.bench.settle} (seconds, default 20) and {@code regent.bench.window} (seconds,
 * default 60) for a quick run; {@code regent.bench.patroni=false} leaves Patroni out; {@code regent.bench.demo=false}
 * the demo step. Daemons run with {@code dev.regent.daemon.JvmFlags} as {@code bin/regent} runs them (the test kit's
 * class-data archive off).
 */
public final class FootprintBench {
    static final int SETTLE = Integer.getInteger("regent.bench.settle", 20);
    static final int WINDOW = Integer.getInteger("regent.bench.window", 60);
    private static final Duration HEALTHY = Duration.ofSeconds(180);
    private static final String PATRONI = "Patroni 3.0.2, etcd";

    private FootprintBench() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("regent.it.cds") == null) System.setProperty("regent.it.cds", "false");
        List<String> nums = new ArrayList<>();
        String dcs = "both";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--demo")) {
                DemoStop.runAndPrint();
                return;
            }
            if (args[i].equals("--dcs") && i + 1 < args.length) dcs = args[++i];
            else if (!args[i].equals("--footprint")) nums.add(args[i]);
        }
        if (!List.of("etcd", "raft", "both").contains(dcs)) throw new IllegalArgumentException("--dcs etcd|raft|both");
        int ttl = nums.size() > 0 ? Integer.parseInt(nums.get(0)) : 30;
        int loopWait = nums.size() > 1 ? Integer.parseInt(nums.get(1)) : 10;
        int retry = nums.size() > 2 ? Integer.parseInt(nums.get(2)) : 10;
        System.out.printf("Idle footprint: 3 nodes each, PostgreSQL 15, ttl=%d loop_wait=%d retry_timeout=%d; settle %d s,"
                + " window %d s; %s, load %s at the start%n", ttl, loopWait, retry, SETTLE, WINDOW,
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), Benchmark.loadAverage());
        Map<String, IdleWindow> columns = new LinkedHashMap<>();
        if (!dcs.equals("raft")) columns.put("Regent, etcd", regent(false, ttl, loopWait, retry));
        if (!dcs.equals("etcd")) columns.put("Regent, Raft", regent(true, ttl, loopWait, retry));
        if (Boolean.parseBoolean(System.getProperty("regent.bench.patroni", "true"))) {
            if (Files.isExecutable(java.nio.file.Path.of("/usr/bin/patroni"))) {
                columns.put(PATRONI, patroni(ttl, loopWait, retry));
            } else {
                System.out.println("Patroni: /usr/bin/patroni is not installed; no ratios");
            }
        }
        System.out.println();
        System.out.print(table(columns));
        if (Boolean.parseBoolean(System.getProperty("regent.bench.demo", "true"))) {
            System.out.println();
            DemoStop.runAndPrint();
        }
    }

    private static IdleWindow regent(boolean raft, int ttl, int loopWait, int retry) throws Exception {
        String store = raft ? "embedded Raft" : "etcd";
        System.out.printf("%nRegent on %s: starting 3 nodes ...%n", store);
        try (LocalCluster c = raft ? LocalCluster.startOnRaft(3, ttl, loopWait, retry)
                : LocalCluster.start(3, ttl, loopWait, retry)) {
            String leader = c.awaitHealthy(HEALTHY).leader().name();
            Thread.sleep(SETTLE * 1000L);
            List<Long> agents = new ArrayList<>();
            List<Long> postmasters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                agents.add(c.node(i).pid());
                postmasters.add(c.postmasterPid(i));
            }
            long leaderPid = c.node(c.index(leader)).pid();
            IdleWindow w = IdleWindow.measure(agents, postmasters, raft ? -1 : c.etcd().pid(), leaderPid,
                    WINDOW * 1000L);
            System.out.printf("Regent on %s, window done (load %s): RSS %s MB, threads %s, CPU %s s/min%n", store,
                    w.load(), list(w.rssMb(), "%.1f"), w.threads(), list(w.cpuPerMin(), "%.2f"));
            System.out.printf("%nRegent on %s, the leader's threads by CPU over the window (top 15 with a tick;"
                    + " name from /proc/PID/task/TID/comm, 15 characters at most):%n", store);
            for (Map.Entry<String, Long> t : w.topThreads(15)) {
                System.out.printf("  %-28s %5d ticks  %.3f s/min%n", t.getKey(), t.getValue(),
                        IdleWindow.perMinute(t.getValue(), w.minutes()));
            }
            long all = w.threadTicks().values().stream().mapToLong(Long::longValue).sum();
            long idle = w.threadTicks().values().stream().filter(v -> v == 0).count();
            System.out.printf("  all %d threads: %d ticks (%.2f s/min); %d threads without a tick%n",
                    w.threadTicks().size(), all, IdleWindow.perMinute(all, w.minutes()), idle);
            breakdown(c, leader, store, IdleWindow.median(w.rssMb()));
            return w;
        }
    }

    /**
     * Restart one replica with Native Memory Tracking and print its committed memory per JVM area. NMT costs memory
     * of its own (its "Native Memory Tracking" row, and malloc headers): the RSS of that node is printed beside the
     * median of the nodes measured without it.
     */
    private static void breakdown(LocalCluster c, String leader, String store, double rssWithoutNmt)
            throws Exception {
        int replica = c.index(leader) == 0 ? 1 : 0;
        RegentNode n = c.node(replica);
        n.stop();
        n.addJvmFlags("-XX:NativeMemoryTracking=summary");
        n.start();
        c.awaitHealthy(HEALTHY);
        Thread.sleep(SETTLE * 1000L);
        Process p = new ProcessBuilder("jcmd", Long.toString(n.pid()), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        NmtSummary s;
        try {
            s = NmtSummary.parse(out);
        } catch (IllegalArgumentException e) {
            System.out.println("memory breakdown: " + e.getMessage());
            return;
        }
        System.out.printf("%nRegent on %s, memory of one idle replica by JVM area (Native Memory Tracking, committed;"
                + " %d s after it rejoined)%n", store, SETTLE);
        System.out.printf("  RSS %.1f MB with NMT (NMT's own cost included) vs %.1f MB median without; NMT total"
                + " committed %.1f MB%n", ProcStat.rssKb(n.pid()) / 1024.0, rssWithoutNmt, s.totalCommittedKb() / 1024.0);
        for (Map.Entry<String, Long> a : s.committedKb().entrySet()) {
            if (a.getValue() < 100) continue;
            String extra = switch (a.getKey()) {
                case "Thread" -> String.format("  (%d threads, stacks %.1f MB)", s.threads(), s.stackCommittedKb()
                        / 1024.0);
                case "Other" -> "  (direct ByteBuffers and Unsafe allocations)";
                case "Native Memory Tracking" -> "  (NMT's own bookkeeping, absent without NMT)";
                default -> "";
            };
            System.out.printf("  %-24s %7.1f MB%s%n", a.getKey(), a.getValue() / 1024.0, extra);
        }
    }

    private static IdleWindow patroni(int ttl, int loopWait, int retry) throws Exception {
        System.out.printf("%nPatroni 3.0.2 on etcd: starting 3 nodes ...%n");
        List<PatroniNode> nodes = new ArrayList<>();
        try (LocalCluster c = LocalCluster.create(3, ttl, loopWait, retry)) {
            try {
                for (int i = 0; i < 3; i++) {
                    String name = dev.regent.daemon.demo.NodeConfigWriter.nodeName(i);
                    nodes.add(PatroniNode.create(name, c.layout().yaml(i), c.dir().resolve(name)));
                }
                for (PatroniNode n : nodes) n.start();
                String leader = c.await("a healthy Patroni cluster", HEALTHY, FootprintBench::healthy).leader()
                        .name();
                Thread.sleep(SETTLE * 1000L);
                List<Long> agents = new ArrayList<>();
                List<Long> postmasters = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    agents.add(nodes.get(i).pid());
                    postmasters.add(c.postmasterPid(i));
                }
                long leaderPid = nodes.get(c.index(leader)).pid();
                IdleWindow w = IdleWindow.measure(agents, postmasters, c.etcd().pid(), leaderPid, WINDOW * 1000L);
                System.out.printf("Patroni on etcd, window done (load %s): RSS %s MB, threads %s, CPU %s s/min%n",
                        w.load(), list(w.rssMb(), "%.1f"), w.threads(), list(w.cpuPerMin(), "%.2f"));
                return w;
            } finally {
                for (PatroniNode n : nodes) n.requestStop();
                for (PatroniNode n : nodes) n.stop();
            }
        }
    }

    /** Leader, three members running, each with the role its key says (Patroni 3.0.2 writes "master"). */
    static boolean healthy(ClusterView c) {
        if (c.leader() == null || c.members().size() < 3) return false;
        for (Member m : c.members()) {
            if (!m.isRunning()) return false;
            String role = m.data().normalizedRole();
            if (c.isLeader(m.name()) ? !"primary".equals(role) : !"replica".equals(role)) return false;
        }
        return true;
    }

    /** The comparison table: a column per system, then a Regent/Patroni ratio column per Regent system. */
    static String table(Map<String, IdleWindow> columns) {
        IdleWindow patroni = columns.get(PATRONI);
        List<String> regents = columns.keySet().stream().filter(k -> !k.equals(PATRONI)).toList();
        List<Row> rows = List.of(
                new Row("agent RSS, median of 3 (MB)", w -> IdleWindow.median(w.rssMb()), "%.1f"),
                new Row("agent RSS, max of 3 (MB)", w -> IdleWindow.max(w.rssMb()), "%.1f"),
                new Row("agent threads, median of 3", w -> IdleWindow.median(w.threads()), "%.0f"),
                new Row("agent threads, max of 3", w -> IdleWindow.max(w.threads()), "%.0f"),
                new Row("agent CPU, median of 3 (s/min)", w -> IdleWindow.median(w.cpuPerMin()), "%.2f"),
                new Row("agent CPU, max of 3 (s/min)", w -> IdleWindow.max(w.cpuPerMin()), "%.2f"),
                new Row("etcd process CPU (s/min)", IdleWindow::dcsPerMin, "%.2f"),
                new Row("3 PostgreSQL servers, CPU (s/min)", IdleWindow::postgresPerMin, "%.2f"));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("| %-34s |", "figure"));
        for (String k : columns.keySet()) sb.append(String.format(" %-20s |", k));
        if (patroni != null) for (String k : regents) sb.append(String.format(" %-20s |", k + " / Patroni"));
        sb.append('\n').append("|").append("-".repeat(36)).append("|");
        int cols = columns.size() + (patroni != null ? regents.size() : 0);
        for (int i = 0; i < cols; i++) sb.append("-".repeat(22)).append("|");
        sb.append('\n');
        for (Row r : rows) {
            sb.append(String.format("| %-34s |", r.name()));
            for (IdleWindow w : columns.values()) sb.append(String.format(" %-20s |", cell(r.of().apply(w), r.format())));
            if (patroni != null) {
                for (String k : regents) {
                    sb.append(String.format(" %-20s |", ratio(r.of().apply(columns.get(k)), r.of().apply(patroni))));
                }
            }
            sb.append('\n');
        }
        sb.append(String.format("| %-34s |", "load average (end of window)"));
        for (IdleWindow w : columns.values()) sb.append(String.format(" %-20s |", w.load()));
        if (patroni != null) for (int i = 0; i < regents.size(); i++) sb.append(String.format(" %-20s |", ""));
        sb.append('\n');
        return sb.toString();
    }

    private record Row(String name, Function<IdleWindow, Double> of, String format) {}

    static String cell(double v, String format) {
        return Double.isNaN(v) ? "- (none)" : String.format(format, v);
    }

    /** {@code a/b} as "1.40x"; "-" when either is missing, "inf" when only b is zero. */
    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) return "-";
        if (b == 0) return a == 0 ? "1.00x" : "inf (Patroni 0)";
        return String.format("%.2fx", a / b);
    }

    private static String list(List<? extends Number> values, String format) {
        return values.stream().map(v -> String.format(format, v.doubleValue())).toList().toString();
    }
}
