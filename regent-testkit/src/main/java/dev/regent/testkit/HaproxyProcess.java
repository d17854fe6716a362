package dev.regent.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy ({@code /usr/sbin/haproxy}, Debian's package) run in the foreground on a configuration the test gives
 * (e.g. one printed by {@code regentctl haproxy-config} with ports from {@link FreePorts}), in a temporary directory.
 * The harness adds a second configuration file of its own with an admin socket, through which {@link #serverStatus}
 * reads the state of the health checks ({@code show stat}). HAProxy's output (its server UP/DOWN warnings among it)
 * goes to {@code haproxy.log} in the directory: {@link #logsOfOpen} gives it to a failing test's report.
 * {@link #close()} stops the process (SIGTERM, then SIGKILL) and deletes the directory. Not thread-safe.
 */
public final class HaproxyProcess implements AutoCloseable {
    /** Where Debian installs it; {@code HAPROXY} in the environment overrides. */
    public static final String BINARY = System.getenv().getOrDefault("HAPROXY", "/usr/sbin/haproxy");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<HaproxyProcess> OPEN = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path log;
    private final Path socket;
    private final Process process;

    private HaproxyProcess(Path dir, Process process) {
        this.dir = dir;
        this.log = dir.resolve("haproxy.log");
        this.socket = dir.resolve("admin.sock");
        this.process = process;
    }

    /**
     * Starts HAProxy on {@code config} and waits until its admin socket answers and every port in
     * {@code listenPorts} (on 127.0.0.1) is bound; fails with HAProxy's output otherwise.
     */
    public static HaproxyProcess start(String config, int... listenPorts) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("regent-haproxy-");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config);
            Path own = dir.resolve("harness.cfg");
            // a second global section is merged with the first one: the admin socket is the harness's, not the test's
            Files.writeString(own, "global\n    stats socket " + dir.resolve("admin.sock") + " mode 600 level admin\n");
            Process p = new ProcessBuilder(BINARY, "-db", "-f", cfg.toString(), "-f", own.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            p.getOutputStream().close();
            HaproxyProcess h = new HaproxyProcess(dir, p);
            OPEN.add(h);
            h.awaitReady(listenPorts);
            return h;
        } catch (IOException e) {
            if (dir != null) ServerProcesses.delete(dir);
            throw new UncheckedIOException("cannot start " + BINARY, e);
        }
    }

    /**
     * {@code haproxy -c -f}: checks {@code config} without running it. Returns HAProxy's output (warnings included);
     * throws with that output when HAProxy rejects the file.
     */
    public static String check(String config) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("regent-haproxy-check-");
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config);
            Process p = new ProcessBuilder(BINARY, "-c", "-f", cfg.toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("haproxy -c did not finish within 30 s: " + out);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("haproxy -c rejected the configuration (exit " + p.exitValue() + "):\n"
                        + out + "\n---- configuration:\n" + config);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + BINARY + " -c", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running haproxy -c", e);
        } finally {
            if (dir != null) ServerProcesses.delete(dir);
        }
    }

    private void awaitReady(int[] ports) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String lastError = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String out = logTail(50);
                close();
                throw new IllegalStateException("haproxy exited with " + process.exitValue() + ":\n" + out);
            }
            try {
                command("show info");
                boolean bound = true;
                for (int port : ports) bound &= taken(port);
                if (bound) return;
                lastError = "listen ports " + java.util.Arrays.toString(ports) + " not all bound yet";
            } catch (IOException e) {
                lastError = e.toString();
            }
            sleep(50);
        }
        String out = logTail(50);
        close();
        throw new IllegalStateException("haproxy not ready within " + START_TIMEOUT + " (" + lastError + "):\n" + out);
    }

    /**
     * True when 127.0.0.1:{@code port} cannot be bound, i.e. HAProxy holds it. Tried by binding rather than connecting:
     * a connection would be routed to one of the test's servers.
     */
    private static boolean taken(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", port), 1);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** One command on the admin socket (e.g. {@code show stat}); returns HAProxy's answer. */
    public String command(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            // HAProxy closes the connection after answering a single command (no "prompt" mode)
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The check status of {@code server} in proxy {@code proxy} from {@code show stat}: {@code UP}, {@code DOWN},
     * {@code UP 1/2}, {@code DOWN 1/2} (going up or down), {@code MAINT}... Fails when HAProxy has no such server.
     */
    public String serverStatus(String proxy, String server) throws IOException {
        return serverStatuses(proxy).entrySet().stream().filter(e -> e.getKey().equals(server)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("no server " + server + " in " + proxy
                        + ": " + serverStatuses(proxy)));
    }

    /** Server name to check status (as {@link #serverStatus}) of every server of {@code proxy}. */
    public Map<String, String> serverStatuses(String proxy) {
        String csv;
        try {
            csv = command("show stat");
        } catch (IOException e) {
            throw new UncheckedIOException("haproxy admin socket " + socket, e);
        }
        Map<String, String> out = new java.util.TreeMap<>();
        List<String> header = null;
        for (String line : csv.split("\n")) {
            if (line.startsWith("# ")) {
                header = List.of(line.substring(2).split(",", -1));
                continue;
            }
            if (header == null || line.isBlank()) continue;
            String[] f = line.split(",", -1);
            String sv = f[header.indexOf("svname")];
            if (f[header.indexOf("pxname")].equals(proxy) && !sv.equals("FRONTEND") && !sv.equals("BACKEND")) {
                out.put(sv, f[header.indexOf("status")]);
            }
        }
        return out;
    }

    /**
     * Waits until exactly the servers {@code up} of {@code proxy} are UP (the others not); fails with the log. A
     * server going down ({@code UP 1/2}: a failed check short of {@code fall}) still takes connections, so it counts
     * as UP until HAProxy marks it DOWN.
     */
    public void awaitUp(String proxy, Set<String> up, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> last = Map.of();
        while (System.nanoTime() < deadline) {
            last = serverStatuses(proxy);
            Set<String> nowUp = new java.util.TreeSet<>();
            last.forEach((k, v) -> {
                if (v.startsWith("UP")) nowUp.add(k);
            });
            if (nowUp.equals(new java.util.TreeSet<>(up))) return;
            sleep(100);
        }
        throw new AssertionError("haproxy: " + proxy + " not with exactly " + up + " UP within " + timeout + ": " + last
                + "\n" + logTail(40));
    }

    /** The last {@code lines} lines of HAProxy's output. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(log)) return "(no " + log + ")";
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** The output of every HAProxy of this JVM still running, for a failing test's report (empty when none). */
    public static String logsOfOpen(int lines) {
        StringBuilder sb = new StringBuilder();
        for (HaproxyProcess h : new ArrayList<>(OPEN)) {
            sb.append("---- haproxy ").append(h.dir).append('\n').append(h.logTail(lines)).append('\n');
        }
        return sb.toString();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public void close() {
        OPEN.remove(this);
        ServerProcesses.stop(process, Duration.ofSeconds(10), dir);
    }

    private static void sleep(long ms) {
        ServerProcesses.sleep(ms);
    }
}
