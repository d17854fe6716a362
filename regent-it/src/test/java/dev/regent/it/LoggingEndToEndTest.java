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

    @AfterEach
    void stop() {
        if (cluster != null) cluster.close();
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
