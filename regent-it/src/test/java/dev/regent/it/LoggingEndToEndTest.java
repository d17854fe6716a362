package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code log} section on a real daemon: JSON lines with static fields in {@code <dir>/patroni.log} from the
 * start, then {@code POST /reload} switches to plain DEBUG lines on standard error, then SIGHUP to WARNING with one
 * logger kept at INFO; {@code deduplicate_heartbeat_logs: false} logs the HA loop's message every cycle.
 */
class LoggingEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} ";
    private LocalCluster cluster;

    /** Receives what the daemon sends to NOTIFY_SOCKET; it writes to this JVM's standard error, so it must not outlive the test. */
    private Process systemd;

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
        if (systemd != null) systemd.destroyForcibly();
    }

    @Test
    void theLogSectionAppliesAtStartAndOnReloadAndSighup() throws Exception {
        cluster = LocalCluster.create(1, 20, 2, 4);
        RegentNode node = cluster.node(0);
        Path config = cluster.dir().resolve(node.name() + ".yml");
        String base = Files.readString(config);
        Path logDir = Files.createDirectories(cluster.dir().resolve("patroni-logs"));
        Path patroniLog = logDir.resolve("patroni.log");
        Files.writeString(config, base + "log:\n  type: json\n  format:\n    - asctime\n    - levelname: level\n"
                + "    - message\n  static_fields:\n    node: " + node.name() + "\n  dir: " + logDir + "\n"
                + "  deduplicate_heartbeat_logs: false\n");
        // systemd's Type=notify hook-up on the real daemon: a datagram socket bound as systemd binds NOTIFY_SOCKET
        Path notifySocket = cluster.dir().resolve("notify");
        systemd = notifyListener(notifySocket);
        node.putEnv("NOTIFY_SOCKET", notifySocket.toString());
        node.start();
        cluster.awaitHealthy(Duration.ofSeconds(90));
        String heartbeat = "no action. I am (" + node.name() + "), the leader with the lock";
        await("the heartbeat logged at INFO in two cycles", () -> jsonLines(patroniLog).stream()
                .filter(j -> j.path("message").asText().equals(heartbeat)).count() >= 2);
        for (JsonNode j : jsonLines(patroniLog)) {
            assertThat(j.path("node").asText()).isEqualTo(node.name());
            assertThat(j.path("level").asText()).isIn("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");
            assertThat(j.path("asctime").asText()).matches(TIME.trim());
        }
        assertThat(read(node.log())).as("nothing is logged to standard error").doesNotContainPattern(TIME);

        // POST /reload: plain lines on standard error, at DEBUG
        Files.writeString(config, base + "log:\n  level: DEBUG\n");
        assertThat(cluster.rest(0, "POST", "/reload", null).statusCode()).isEqualTo(202);
        await("plain DEBUG lines on standard error", () -> read(node.log()).lines()
                .anyMatch(l -> l.matches(TIME + "DEBUG: .*")));
        assertThat(read(node.log())).containsPattern(TIME + "INFO: configuration file reloaded");
        long jsonAfterReload = jsonLines(patroniLog).size();

        // SIGHUP: WARNING, but the daemon's own wiring logger kept at INFO
        Files.writeString(config, base + "log:\n  level: WARNING\n  loggers:\n    dev.regent.daemon.wiring.Daemon: INFO\n");
        new ProcessBuilder("kill", "-HUP", Long.toString(node.pid())).inheritIO().start().waitFor();
        await("the SIGHUP reload", () -> count(read(node.log()), "INFO: configuration file reloaded") >= 2);
        Thread.sleep(5000); // two HA cycles (loop_wait 2): at DEBUG each would have logged
        assertThat(cluster.rest(0, "POST", "/reload", null).statusCode()).isEqualTo(202);
        await("the second reload", () -> count(read(node.log()), "INFO: configuration file reloaded") >= 3);
        String log = read(node.log());
        int second = log.indexOf("INFO: configuration file reloaded", log.indexOf("received SIGHUP"));
        List<String> between = log.substring(second).lines().skip(1)
                .takeWhile(l -> !l.contains("configuration file reloaded")).toList();
        assertThat(between).as("nothing below WARNING but the Daemon logger's lines")
                .noneMatch(l -> l.matches(TIME + "DEBUG: .*"))
                .allMatch(l -> !l.matches(TIME + "INFO: .*") || l.contains("reload"));
        assertThat(jsonLines(patroniLog)).as("patroni.log is no longer written").hasSize((int) jsonAfterReload);

        // SIGTERM: STOPPING=1 follows the READY=1 sent once, after the first cycle, however many cycles ran since
        node.stop();
        assertThat(node.exitCode()).as("a SIGTERM is an ordinary stop: exit status 0 (systemd would call 143 a failure)")
                .isZero();
        assertThat(systemd.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("STOPPING=1 received").isTrue();
        assertThat(new String(systemd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines().toList()).as("datagrams received on NOTIFY_SOCKET").containsExactly("READY=1", "STOPPING=1");
    }

    /**
     * A process that binds an {@code AF_UNIX} datagram socket at {@code path} (as systemd does for a Type=notify
     * unit) and prints every datagram on a line until {@code STOPPING=1}; returns once the socket exists. The JDK has no datagram Unix sockets.
     */
    private static Process notifyListener(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", "-u", "-c", "import socket, sys\n"
                + "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                + "s.bind(sys.argv[1])\n"
                + "while True:\n    m = s.recv(4096).decode()\n    print(m, flush=True)\n"
                + "    if m == 'STOPPING=1':\n        break\n", path.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(path)) {
            if (!p.isAlive() || System.nanoTime() > deadline) throw new IOException("no socket bound at " + path);
            Thread.sleep(20);
        }
        return p;
    }

    private static long count(String text, String needle) {
        return text.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    private static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        for (String line : read(file).lines().toList()) {
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new AssertionError("not a JSON line: " + line, e);
            }
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "\n"
                    + cluster.logs());
            Thread.sleep(100);
        }
    }
}
