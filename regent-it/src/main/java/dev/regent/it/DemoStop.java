package dev.regent.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's "{@code bin/regent demo}: Ctrl-C to every process stopped" figure: runs {@code bin/regent demo} (of the
 * tree the benchmark runs in) in a session of its own on ports of the test range, waits until it prints the healthy
 * cluster, then does what Ctrl-C in a terminal does, SIGINT to the demo's whole process group (the demo JVM, its three
 * daemons, and the PostgreSQL servers unless a daemon moved them out of the group), and times until no process of the
 * demo is left: the demo JVM, every process descending from it, and every process whose command line names the
 * demo's directory (a postmaster reparented to init), with the children of those. Whatever is left after 120 s is
 * killed, and the directory is removed (kept with its logs under {@code -Dregent.it.keep=true}).
 */
public final class DemoStop {
    private DemoStop() {}

    /** Run the demo, stop it, print the figure (or why there is none). */
    public static void runAndPrint() throws Exception {
        try {
            Result r = run();
            System.out.printf("%-62s %.2f s (SIGINT to the demo's process group, as Ctrl-C; %d processes, load %s)%n",
                    "bin/regent demo: Ctrl-C to every process stopped", r.seconds(), r.processes(), r.load());
            if (!r.leftOver().isEmpty()) System.out.println("  killed after 120 s: " + r.leftOver());
            System.out.println("  gone after SIGINT: " + r.goneAt().entrySet().stream()
                    .map(e -> String.format("%s %.2f s", e.getKey(), e.getValue())).toList());
        } catch (Exception e) {
            System.out.printf("%-62s failed: %s%n", "bin/regent demo: Ctrl-C to every process stopped", e.getMessage());
        }
    }

    /**
     * @param seconds   SIGINT to the last process gone
     * @param processes how many processes the demo had when it was signalled
     * @param leftOver  the command lines of processes still there after 120 s (then killed)
     * @param goneAt    the demo JVM, each daemon (by its config file) and each postmaster (by its data directory):
     *                  seconds from SIGINT until it was gone, in that order
     */
    record Result(double seconds, int processes, List<String> leftOver, String load, Map<String, Double> goneAt) {}

    static Result run() throws Exception {
        Path launcher = Path.of(System.getProperty("regent.home", ".")).toAbsolutePath().normalize()
                .resolve("bin/regent");
        if (!Files.isExecutable(launcher)) throw new IllegalStateException(launcher + " not found (run from the tree)");
        int rest = dev.regent.testkit.FreePorts.consecutive(3);
        int pg = dev.regent.testkit.FreePorts.consecutive(3);
        int raft = dev.regent.testkit.FreePorts.consecutive(3);
        Path dir = Files.createTempDirectory("regent-bench-demo-");
        dir.toFile().setExecutable(true, false);
        dir.toFile().setReadable(true, false);
        String dirName = dir.toString();
        Process demo = new ProcessBuilder("setsid", launcher.toString(), "demo", "--dir", dirName, "--base-port",
                Integer.toString(rest), "--pg-port", Integer.toString(pg), "--raft-port", Integer.toString(raft))
                .redirectErrorStream(true).start();
        Map<Integer, Long> tracked = new HashMap<>();
        List<String> leftOver = List.of();
        try {
            CountDownLatch healthy = new CountDownLatch(1);
            Deque<String> lastLines = new ArrayDeque<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        synchronized (lastLines) {
                            lastLines.add(l);
                            if (lastLines.size() > 20) lastLines.removeFirst();
                        }
                        if (l.startsWith("cluster healthy after")) healthy.countDown();
                    }
                } catch (IOException e) {
                    // the demo ended
                }
            }, "demo-output");
            reader.setDaemon(true);
            reader.start();
            if (!healthy.await(240, TimeUnit.SECONDS)) {
                synchronized (lastLines) {
                    throw new IllegalStateException("demo not healthy in 240 s; last output: " + lastLines);
                }
            }
            Thread.sleep(3000);
            Map<Integer, String> named = new java.util.LinkedHashMap<>();
            for (ProcStat s : demoProcesses(demo.pid(), dirName)) {
                tracked.put(s.pid(), s.startTime());
                String label = label(s.pid() == demo.pid(), cmdline(s), dirName);
                if (label != null) named.put(s.pid(), label);
            }
            Map<String, Double> goneAt = new java.util.TreeMap<>();
            String load = Benchmark.loadAverage();
            long t0 = System.nanoTime();
            Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + demo.pid()).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -INT -" + demo.pid() + " failed");
            }
            long deadline = t0 + 120_000_000_000L;
            while (System.nanoTime() < deadline) {
                Set<ProcStat> left = remaining(tracked, demo.pid(), dirName);
                double now = (System.nanoTime() - t0) / 1e9;
                for (Map.Entry<Integer, String> n : named.entrySet()) {
                    if (left.stream().noneMatch(s -> s.pid() == n.getKey())) goneAt.putIfAbsent(n.getValue(), now);
                }
                if (left.isEmpty()) return new Result(now, tracked.size(), List.of(), load, goneAt);
                Thread.sleep(20);
            }
            leftOver = remaining(tracked, demo.pid(), dirName).stream().map(DemoStop::cmdline).toList();
            return new Result((System.nanoTime() - t0) / 1e9, tracked.size(), leftOver, load, goneAt);
        } finally {
            for (ProcStat s : remaining(tracked, demo.pid(), dirName)) {
                new ProcessBuilder("kill", "-9", Integer.toString(s.pid())).start().waitFor(5, TimeUnit.SECONDS);
            }
            demo.destroyForcibly();
            if (Boolean.getBoolean("regent.it.keep")) {
                System.out.println("  demo directory kept (regent.it.keep): " + dir);
            } else {
                LocalCluster.deleteRecursively(dir);
            }
        }
    }

    /** The demo JVM, its descendants, every process naming the demo's directory, and their descendants. */
    static Set<ProcStat> demoProcesses(long demoPid, String dir) {
        List<ProcStat> all = ProcStat.all();
        Set<Integer> pids = new HashSet<>(ProcStat.tree(demoPid, all, Set.of()));
        pids.removeIf(p -> all.stream().noneMatch(s -> s.pid() == p));
        for (ProcStat s : all) {
            if (cmdline(s).contains(dir + "/")) pids.addAll(ProcStat.tree(s.pid(), all, Set.of()));
        }
        Set<ProcStat> out = new HashSet<>();
        for (ProcStat s : all) if (pids.contains(s.pid())) out.add(s);
        return out;
    }

    /**
     * "1 demo JVM", "2 daemon node0.yml", "3 postgres node0/..." for the processes whose stop is worth timing one by
     * one (sorted in that order), null for the others (postgres' auxiliary processes, helpers).
     */
    static String label(boolean isDemo, String cmd, String dir) {
        if (isDemo) return "1 demo JVM";
        String[] words = cmd.split(" ");
        if (cmd.contains("dev.regent.daemon.Main")) return "2 daemon " + Path.of(words[words.length - 1]).getFileName();
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("-D") && words[i + 1].startsWith(dir)) {
                return "3 postmaster " + Path.of(dir).relativize(Path.of(words[i + 1]));
            }
        }
        return null;
    }

    /** Tracked processes still there (same pid and start time), and any new process of the demo. */
    private static Set<ProcStat> remaining(Map<Integer, Long> tracked, long demoPid, String dir) {
        Set<ProcStat> left = demoProcesses(demoPid, dir);
        for (Map.Entry<Integer, Long> e : tracked.entrySet()) {
            Optional<ProcStat> s = ProcStat.of(e.getKey());
            // a zombie (state Z) is gone for the user; ProcStat does not keep the state, so read it here
            if (s.isPresent() && s.get().startTime() == e.getValue() && !zombie(e.getKey())) left.add(s.get());
        }
        left.removeIf(s -> zombie(s.pid()));
        return left;
    }

    private static boolean zombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return true; // gone
        }
    }

    static String cmdline(ProcStat s) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Integer.toString(s.pid()), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }
}
