package dev.regent.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Prometheus server ({@code /usr/bin/prometheus}, Debian's package) scraping the given targets' {@code /metrics}
 * every second, in a temporary directory (its configuration, its TSDB under {@code --storage.tsdb.path}, its log) and
 * on a free port on 127.0.0.1. {@link #query} runs PromQL through Prometheus' HTTP API. {@link #close()} stops the
 * process (SIGTERM, then SIGKILL) and deletes the directory. Not thread-safe.
 */
public final class PrometheusProcess implements AutoCloseable {
    /** Where Debian installs it; {@code PROMETHEUS} in the environment overrides. */
    public static final String BINARY = System.getenv().getOrDefault("PROMETHEUS", "/usr/bin/prometheus");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Path dir, int port, Process process) {
        this.dir = dir;
        this.log = dir.resolve("prometheus.log");
        this.port = port;
        this.process = process;
    }

    /**
     * Starts Prometheus with one scrape job {@code job} over {@code targets} ({@code host:port}, scraped at
     * {@code /metrics} every second) and waits until it is ready ({@code /-/ready}); fails with its log otherwise.
     */
    public static PrometheusProcess start(String job, List<String> targets) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("regent-prometheus-");
            Path cfg = dir.resolve("prometheus.yml");
            // 1 s, the shortest interval Prometheus' config takes without fuss; the timeout may not exceed it
            Files.writeString(cfg, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                    + "scrape_configs:\n  - job_name: " + job + "\n    metrics_path: /metrics\n    static_configs:\n"
                    + "      - targets: [" + targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))
                    + "]\n");
            int port = FreePorts.one();
            Process p = new ProcessBuilder(BINARY, "--config.file=" + cfg, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--web.console.templates=" + dir.resolve("consoles"),
                    "--web.console.libraries=" + dir.resolve("console_libraries"))
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log")
                            .toFile()).start();
            p.getOutputStream().close();
            PrometheusProcess prom = new PrometheusProcess(dir, port, p);
            prom.awaitReady();
            return prom;
        } catch (IOException e) {
            if (dir != null) ServerProcesses.delete(dir);
            throw new UncheckedIOException("cannot start " + BINARY, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String out = logTail(40);
                close();
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + out);
            }
            try {
                HttpResponse<String> r = get("/-/ready");
                if (r.statusCode() == 200) return;
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(100);
        }
        String out = logTail(40);
        close();
        throw new IllegalStateException("prometheus not ready within " + START_TIMEOUT + " (" + last + "):\n" + out);
    }

    /** Port of Prometheus' web server and HTTP API on 127.0.0.1. */
    public int port() {
        return port;
    }

    /**
     * An instant PromQL query ({@code GET /api/v1/query}); returns the result vector ({@code data.result}: objects with
     * {@code metric} labels and {@code value} [time, "number"]). Fails when Prometheus answers with an error.
     */
    public JsonNode query(String promql) {
        try {
            HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException("prometheus query " + promql + ": HTTP " + r.statusCode() + " "
                        + r.body());
            }
            return body.path("data").path("result");
        } catch (IOException e) {
            throw new UncheckedIOException("prometheus query " + promql, e);
        }
    }

    /** The scrape targets' health as Prometheus reports it ({@code /api/v1/targets}): {@code instance -> up|down}. */
    public java.util.Map<String, String> targetHealth() {
        try {
            JsonNode body = JSON.readTree(get("/api/v1/targets").body());
            java.util.Map<String, String> out = new java.util.TreeMap<>();
            for (JsonNode t : body.path("data").path("activeTargets")) {
                out.put(t.path("labels").path("instance").asText(), t.path("health").asText() + " "
                        + t.path("lastError").asText());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("prometheus targets", e);
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The last {@code lines} lines of Prometheus' log, for a failing test's report. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(log)) return "(no " + log + ")";
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public void close() {
        ServerProcesses.stop(process, Duration.ofSeconds(20), dir);
    }

    private static void sleep(long ms) {
        ServerProcesses.sleep(ms);
    }
}
