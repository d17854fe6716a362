package dev.regent.testkit;

import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node {@code etcd} server for tests, on free 127.0.0.1 ports with a temporary data directory.
 * {@link #start()} blocks until {@code /health} answers; {@link #stop()} (SIGTERM), {@link #kill()} (SIGKILL) and
 * {@link #restart()} (same ports and data) support outage tests; {@link #close()} kills it and deletes the
 * directory. Not thread-safe: drive it from the test thread.
 */
public final class EtcdProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final boolean enableV2;
    private Process process;

    private EtcdProcess(Path dir, int clientPort, int peerPort, boolean enableV2) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.enableV2 = enableV2;
    }

    /** Start a fresh etcd and wait until it is healthy. */
    public static EtcdProcess start() {
        return start(false);
    }

    /** Start a fresh etcd that also serves the v2 API ({@code --enable-v2}, etcd 3.4/3.5) and wait until healthy. */
    public static EtcdProcess startWithV2() {
        return start(true);
    }

    private static EtcdProcess start(boolean enableV2) {
        try {
            EtcdProcess etcd = new EtcdProcess(Files.createTempDirectory("regent-etcd-"), freePort(), freePort(),
                    enableV2);
            etcd.launch();
            return etcd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare etcd test directory", e);
        }
    }

    /** Client URL, e.g. {@code http://127.0.0.1:40123}. */
    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** {@code 127.0.0.1:port}, the form of Patroni's {@code etcd3.host}. */
    public String hostPort() {
        return "127.0.0.1:" + clientPort;
    }

    /** The etcd process's pid (what a benchmark reads its CPU time from); throws before it was started. */
    public long pid() {
        if (process == null) throw new IllegalStateException("etcd not started");
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Graceful stop (SIGTERM), waiting for exit. */
    public void stop() {
        terminate(false);
    }

    /** Hard kill (SIGKILL), waiting for exit. */
    public void kill() {
        terminate(true);
    }

    /**
     * Freeze the server (SIGSTOP): it keeps its sockets, so clients connect and then wait for answers that do not come
     * until {@link #thaw}, the way a stalled or partitioned DCS looks to them.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Resume a server frozen by {@link #freeze} (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!isRunning()) throw new IllegalStateException("etcd is not running");
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal etcd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling etcd", e);
        }
    }

    /** Start again on the same ports and data directory (after {@link #stop} or {@link #kill}). */
    public void restart() {
        terminate(false);
        launch();
    }

    /** Run {@code etcdctl} against this server with the given arguments; returns its output, fails on exit != 0. */
    public String etcdctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(binary("etcdctl", "etcd-client"),
                "--endpoints=" + endpoint()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("etcdctl " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run etcdctl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running etcdctl", e);
        }
    }

    @Override
    public void close() {
        terminate(true);
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // best effort: a leftover temp dir must not fail the test run
        }
    }

    private void launch() {
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> cmd = new java.util.ArrayList<>(List.of(binary("etcd", "etcd-server"), "--name", "regent-test",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "regent-test=" + peer,
                "--heartbeat-interval", "50", "--election-timeout", "500"));
        if (enableV2) cmd.add("--enable-v2");
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd: " + cmd, e);
        }
        awaitHealthy();
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        boolean healthy;
        try {
            healthy = Deadline.after(Ticker.SYSTEM, START_TIMEOUT).await(() -> healthy(http), Duration.ofMillis(100),
                    Sleeper.SYSTEM);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for etcd", e);
        }
        if (healthy) return;
        terminate(true);
        throw new IllegalStateException("etcd not healthy within " + START_TIMEOUT + "; see " + log());
    }

    /** One health check; throws when etcd exited. */
    private boolean healthy(HttpClient http) {
        if (!process.isAlive()) throw new IllegalStateException("etcd exited at start-up; see " + log());
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        } catch (IOException notYet) {
            return false;  // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for etcd", e);
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("etcd.log"));
        } catch (IOException e) {
            return dir.resolve("etcd.log").toString();
        }
    }

    private void terminate(boolean force) {
        if (process == null) return;
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private static String binary(String name, String aptPackage) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new IllegalStateException(name + " not found on PATH; install it with: apt-get install -y " + aptPackage);
    }

    private static int freePort() {
        return FreePorts.one();
    }
}
