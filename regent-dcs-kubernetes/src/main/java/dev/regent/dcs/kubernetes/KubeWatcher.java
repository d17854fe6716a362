package dev.regent.dcs.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regent.dcs.DcsException;
import dev.regent.time.Sleeper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * List+watch of the cluster's ConfigMaps (or Endpoints) by label selector on a daemon thread, as Patroni's
 * {@code ObjectCache}: every event calls {@code onChange}, which wakes the HA loop. A watch the API server closes
 * (its {@code timeoutSeconds}, a restart) is reopened from the last resourceVersion seen; {@code 410 Gone}
 * ("resourceVersion too old", as an HTTP status or an {@code ERROR} event) restarts from a fresh list; an unreachable
 * server is retried every second.
 */
final class KubeWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(KubeWatcher.class);
    static final int WATCH_SECONDS = 300;

    private final KubeApi api;
    private final String path;
    private final String selector;
    private final Runnable onChange;
    private final Sleeper sleeper;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile InputStream current;
    private volatile int restarts;

    KubeWatcher(KubeApi api, String path, String selector, Runnable onChange, Sleeper sleeper) {
        this.api = api;
        this.path = path;
        this.selector = selector;
        this.onChange = onChange;
        this.sleeper = sleeper;
        this.thread = new Thread(this::run, "k8s-watch");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Fresh lists done after the first one (410 restarts), for tests. */
    int restarts() {
        return restarts;
    }

    void stop() {
        stopped = true;
        thread.interrupt();
        InputStream in = current;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing only unblocks the reader
            }
        }
    }

    private void run() {
        String rv = null;
        boolean first = true;
        while (!stopped) {
            try {
                if (rv == null) {
                    JsonNode list = api.list(path, selector);
                    rv = list.path("metadata").path("resourceVersion").asText();
                    if (!first) restarts++;
                    first = false;
                    onChange.run();  // whatever changed while no watch was open
                }
                rv = watchFrom(rv);
            } catch (DcsException | IOException e) {
                if (stopped) return;
                LOG.debug("Kubernetes watch of {} failed: {}; retrying in 1 s", path, e.getMessage());
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One watch; returns the resourceVersion to continue from, or null to list again (410). */
    private String watchFrom(String rv) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = api.watch(path, selector, rv, WATCH_SECONDS);
        try (InputStream in = r.body()) {
            if (r.statusCode() == 410) {
                LOG.info("Kubernetes watch of {}: resourceVersion {} is too old (410), listing again", path, rv);
                return null;
            }
            if (r.statusCode() != 200) throw new IOException("watch answered " + r.statusCode());
            current = in;
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while (!stopped && (line = reader.readLine()) != null) {
                if (line.isBlank()) continue;
                JsonNode event = KubeApi.MAPPER.readTree(line);
                String type = event.path("type").asText();
                JsonNode object = event.path("object");
                if ("ERROR".equals(type)) {
                    if (object.path("code").asInt() == 410) {
                        LOG.info("Kubernetes watch of {}: {} (410), listing again", path,
                                object.path("message").asText("resourceVersion too old"));
                        return null;
                    }
                    throw new IOException("watch error " + object.path("code").asInt() + ": "
                            + object.path("message").asText());
                }
                String next = object.path("metadata").path("resourceVersion").asText(null);
                if (next != null) rv = next;
                if (!"BOOKMARK".equals(type)) onChange.run();
            }
            LOG.debug("Kubernetes watch of {} closed by the server; reopening from {}", path, rv);
            return rv;
        } finally {
            current = null;
        }
    }

    private void pause() {
        try {
            sleeper.sleep(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }
}
