package dev.regent.daemon.demo;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.daemon.view.MemberTable;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.daemon.wiring.DcsStores;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code regent demo}: a local cluster in a directory of its own: N Regent nodes (child processes) on the embedded
 * Raft DCS (each node runs a voting Raft peer, so nothing but Java and PostgreSQL is needed), Patroni-style configs
 * written there, a cluster table refreshed in the foreground until Ctrl-C stops everything. Running it again reuses
 * the data in the directory (the Raft state included).
 */
public final class Demo {
    private final Path dir;
    private final int nodes;
    private final int restBase;
    private final int pgBase;
    private final int raftPort;
    private final PrintStream out;
    private final List<Process> children = new ArrayList<>();
    /** A demo is shown to a person: it runs on the real clocks. */
    private final Ticker ticker = Ticker.SYSTEM;
    private final Sleeper sleeper = Sleeper.SYSTEM;

    public Demo(Path dir, int nodes, int restBase, int pgBase, int raftPort, PrintStream out) {
        this.dir = dir.toAbsolutePath();
        this.nodes = nodes;
        this.restBase = restBase;
        this.pgBase = pgBase;
        this.raftPort = raftPort;
        this.out = out;
    }

    /** Parse {@code demo} options and run; returns the exit code. */
    public static int main(String[] args, PrintStream out, PrintStream err) {
        Path dir = Path.of("demo");
        int nodes = 3;
        int rest = 8008;
        int pg = 5432;
        int raft = 2222;
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--dir" -> dir = Path.of(args[++i]);
                    case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                    case "--base-port" -> rest = Integer.parseInt(args[++i]);
                    case "--pg-port" -> pg = Integer.parseInt(args[++i]);
                    case "--raft-port" -> raft = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("regent demo: " + (e instanceof ArrayIndexOutOfBoundsException ? "option needs a value"
                    : e.getMessage()));
            err.println("usage: regent demo [--dir DIR] [--nodes N] [--base-port 8008] [--pg-port 5432]"
                    + " [--raft-port 2222]");
            return 2;
        }
        if (nodes < 1 || nodes > 9) {
            err.println("regent demo: --nodes must be between 1 and 9");
            return 2;
        }
        try {
            return new Demo(dir, nodes, rest, pg, raft, out).run();
        } catch (Exception e) {
            err.println("regent demo: " + e.getMessage());
            return 1;
        }
    }

    int run() throws Exception {
        Files.createDirectories(dir);
        dir.toFile().setExecutable(true, false);
        dir.toFile().setReadable(true, false);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "demo-shutdown"));
        for (int p = 0; p < nodes; p++) {
            requireFree(restBase + p, "REST port (change with --base-port)");
            requireFree(pgBase + p, "PostgreSQL port (change with --pg-port)");
            requireFree(raftPort + p, "Raft port (change with --raft-port)");
        }
        NodeConfigWriter w = NodeConfigWriter.onRaft("demo", dir, nodes, raftPort, null, restBase, pgBase, 30, 10,
                10);
        List<Path> configs = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            Path cfg = dir.resolve(NodeConfigWriter.nodeName(i) + ".yml");
            if (!Files.exists(cfg)) Files.writeString(cfg, w.yaml(i));
            configs.add(cfg);
            Files.createDirectories(dir.resolve(NodeConfigWriter.nodeName(i)));
            dir.resolve(NodeConfigWriter.nodeName(i)).toFile().setExecutable(true, false);
        }
        long t0 = ticker.nanoTime();
        for (int i = 0; i < nodes; i++) startNode(configs.get(i), dir.resolve(NodeConfigWriter.nodeName(i))
                .resolve("regent.log"));
        // The demo watches as a non-voting Raft client, as patronictl does.
        try (PatroniDcs dcs = new PatroniDcs(DcsStores.open("raft", Map.of("partner_addrs", w.raftAddrs()),
                Duration.ofSeconds(30), Duration.ofSeconds(5)), "/service", "demo", "regent-demo-observer")) {
            ClusterView c = awaitHealthy(dcs, Duration.ofSeconds(180));
            out.printf("cluster healthy after %.1f s%n%n", (ticker.nanoTime() - t0) / 1e9);
            out.print(table(c));
            printConnectInfo(w, configs);
            String last = "";
            while (true) {
                sleeper.sleep(Duration.ofSeconds(5));
                try {
                    String table = table(dcs.load());
                    if (!table.equals(last)) {
                        out.println();
                        out.print(table);
                        last = table;
                    }
                } catch (DcsException e) {
                    out.println("DCS is not accessible: " + e.getMessage());
                }
            }
        }
    }

    private void printConnectInfo(NodeConfigWriter w, List<Path> configs) {
        out.println();
        out.println("connect:   psql 'postgres://postgres:regent-superuser@127.0.0.1:" + pgBase + ","
                + "127.0.0.1:" + (pgBase + 1) + (nodes > 2 ? ",127.0.0.1:" + (pgBase + 2) : "")
                + "/postgres?target_session_attrs=read-write'");
        for (int i = 0; i < nodes; i++) {
            out.println("node" + i + ":     REST http://127.0.0.1:" + w.restPort(i) + "/patroni   config "
                    + configs.get(i) + "   log " + dir.resolve("node" + i).resolve("regent.log"));
        }
        out.println("raft:      " + String.join(",", w.raftAddrs()) + " (embedded DCS; Ctrl-C stops the cluster; data"
                + " stays in " + dir + ")");
    }

    private ClusterView awaitHealthy(PatroniDcs dcs, Duration timeout) throws Exception {
        ClusterView[] seen = {null};
        boolean healthy = Deadline.after(ticker, timeout).await(() -> {
            try {
                seen[0] = dcs.load();
                if (healthy(seen[0])) return true;
            } catch (DcsException e) {
                // the Raft group is still electing its first leader
            }
            for (Process p : children) {
                if (!p.isAlive()) throw new IllegalStateException("a node exited early; see the logs in " + dir);
            }
            return false;
        }, Duration.ofMillis(100), sleeper);
        ClusterView c = seen[0];
        if (healthy) return c;
        throw new IllegalStateException("cluster not healthy after " + timeout.toSeconds() + " s; see logs in " + dir
                + (c == null ? "" : "\n" + table(c)));
    }

    /** The cluster table exactly as {@code regentctl list} prints it. */
    static String table(ClusterView c) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        MemberTable.print(new PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), c, "demo", false,
                OutputFormat.PRETTY);
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A leader, and every other member running and streaming. */
    public static boolean healthy(ClusterView c, int expectedMembers) {
        if (c.leader() == null || c.members().size() < expectedMembers) return false;
        for (Member m : c.members()) {
            if (!m.isRunning()) return false;
            if (!c.isLeader(m.name()) && !"streaming".equals(m.data().replicationState())) return false;
        }
        return true;
    }

    private boolean healthy(ClusterView c) {
        return healthy(c, nodes);
    }

    private void startNode(Path config, Path log) throws IOException {
        List<String> cmd = nodeCommand(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getenv("REGENT_JAVA_OPTS"), System.getProperty("java.class.path"), config);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(dev.regent.daemon.JvmFlags.NODE_ENV);
        children.add(pb.start());
    }

    /**
     * A node's command line: Regent's JVM flags, then {@code REGENT_JAVA_OPTS} (blank-separated, may be null) as
     * {@code bin/regent} adds them, so that they override or add to the node's flags as they do for a single node.
     */
    static List<String> nodeCommand(String java, String extraOpts, String classPath, Path config) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(dev.regent.daemon.JvmFlags.NODE);
        // bin/regent's class-data-sharing archive (README "Memory and JVM flags"), before REGENT_JAVA_OPTS
        cmd.addAll(dev.regent.daemon.ClassArchive.nodeFlags(System.getProperty(
                dev.regent.daemon.ClassArchive.DIR_PROPERTY), config.getFileName().toString()));
        if (extraOpts != null && !extraOpts.isBlank()) cmd.addAll(List.of(extraOpts.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", classPath, "dev.regent.daemon.Main", config.toString()));
        return cmd;
    }

    private void stopAll() {
        out.println("\nstopping the cluster ...");
        for (Process p : children) p.destroy();
        for (Process p : children) {
            try {
                if (!p.waitFor(90, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        out.println("stopped; data kept in " + dir);
    }

    private static void requireFree(int port, String what) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException(what + " " + port + " is in use");
        }
    }
}
