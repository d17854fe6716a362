package dev.regent.daemon.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.regent.dcs.DcsException;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's dispatch (§3.1): method plus first path segment selects a handler; other GET paths are health checks;
 * HEAD/OPTIONS are health checks without a body; methods without a handler get 501. No exception leaves
 * {@link #handle}: it becomes a 4xx/5xx answer (500 logged with its stack trace). Thread-safe.
 */
final class Router implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final Supplier<NodeStatus> status;
    private final LongSupplier monotonicMillis;
    private final BasicAuth auth;
    private final ReadEndpoints reads;
    private final ConfigEndpoints config;
    private final Switchover switchover;
    private final NodeCommands commands;
    private final FailsafeEndpoints failsafe;
    private final Supplier<Guard> guard;
    private final Dashboard dashboard = Dashboard.load();
    private final java.util.function.BooleanSupplier dashboardOn;

    /** {@code dashboardOn}: whether {@code GET /dashboard} serves the page ({@code regent.dashboard.enabled}). */
    Router(Supplier<NodeStatus> status, NodeControl control, BasicAuth auth, Supplier<Guard> guard, Clock clock,
           LongSupplier monotonicMillis, Duration switchoverTimeout, Ticker waitTicker, Sleeper sleeper,
           java.util.function.BooleanSupplier dashboardOn) {
        this.dashboardOn = dashboardOn;
        this.status = status;
        this.guard = guard;
        this.monotonicMillis = monotonicMillis;
        this.auth = auth;
        this.reads = new ReadEndpoints(control);
        this.config = new ConfigEndpoints(control);
        this.switchover = new Switchover(control, clock, switchoverTimeout, waitTicker, sleeper);
        this.commands = new NodeCommands(control, clock);
        this.failsafe = new FailsafeEndpoints(control);
    }

    /** Where requests that may block (DCS, loop, request bodies) run; set by the server before start. */
    private volatile java.util.concurrent.Executor workers = Runnable::run;

    void setWorkers(java.util.concurrent.Executor workers) {
        this.workers = workers;
    }

    /**
     * Health checks and other snapshot reads take microseconds and are answered on the connection's thread that read
     * the request (no further hand-off); everything else runs on the worker pool so that a slow switchover or
     * restart never stalls the health checks.
     */
    @Override
    public void handle(HttpExchange http) {
        if (isSnapshotRead(http)) {
            serve(http);
            return;
        }
        try {
            workers.execute(() -> serve(http));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            http.close();
        }
    }

    private static boolean isSnapshotRead(HttpExchange http) {
        String m = http.getRequestMethod();
        if (m.equals("HEAD") || m.equals("OPTIONS")) return true;
        if (!m.equals("GET")) return false;
        String p = http.getRequestURI().getRawPath();
        // GET /patroni reads the WAL positions from postgres (up to 2 s): never on the dispatcher
        return !(p.startsWith("/cluster") || p.startsWith("/history") || p.startsWith("/config")
                || p.startsWith("/decisions")
                || p.equals("/patroni") || p.startsWith("/patroni/"));
    }

    private void serve(HttpExchange http) {
        Exchange ex = null;
        try {
            guard.get().addHeaders(http);
            ex = new Exchange(http);
            dispatch(ex);
        } catch (HttpError e) {
            answerError(ex, http, e.status, e.getMessage(), e.page);
        } catch (DcsException e) {
            LOG.warn("{} {}: DCS error: {}", http.getRequestMethod(), http.getRequestURI(), e.getMessage());
            answerError(ex, http, 503, "DCS is not accessible: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answerError(ex, http, 503, "interrupted while waiting", false);
        } catch (Throwable t) {
            LOG.error("{} {} failed", http.getRequestMethod(), http.getRequestURI(), t);
            answerError(ex, http, 500, "internal error: " + t, false);
        } finally {
            http.close();
        }
    }

    private void answerError(Exchange ex, HttpExchange http, int code, String message, boolean page) {
        try {
            if (ex == null) {
                http.sendResponseHeaders(code, -1);
            } else if (page) {
                ex.sendErrorPage(code, message);
            } else {
                ex.sendText(code, message);
            }
        } catch (IOException | RuntimeException e) {
            // headers were already sent or the client went away: nothing more can be said
            LOG.debug("could not send {} for {}: {}", code, http.getRequestURI(), e.toString());
        }
    }

    private void dispatch(Exchange ex) throws Exception {
        String segment = ex.firstSegment();
        switch (ex.method) {
            case "GET" -> get(ex, segment);
            case "HEAD", "OPTIONS" -> {
                NodeStatus s = status.get();
                ex.sendStatusOnly(HealthCheck.status(ex.path, ex.query, s, monotonicMillis.getAsLong()));
            }
            case "PATCH" -> unsafe(ex, segment, "config");
            case "PUT" -> unsafe(ex, segment, "config");
            case "POST" -> unsafe(ex, segment, "switchover", "failover", "restart", "reload", "reinitialize",
                    "failsafe");
            case "DELETE" -> unsafe(ex, segment, "switchover", "restart");
            default -> unsupported(ex);
        }
    }

    private void get(Exchange ex, String segment) throws Exception {
        NodeStatus s = status.get();
        long now = monotonicMillis.getAsLong();
        switch (segment) {
            case "patroni" -> ex.sendJson(200, reads.liveStatusJson(s, now));
            case "cluster" -> reads.cluster(ex, s);
            case "history" -> reads.history(ex);
            case "config" -> config.get(ex);
            case "metrics" -> ex.sendMetrics(Metrics.render(s, s.freshCluster(now), now, reads.decisionCounts()));
            case "decisions" -> reads.decisions(ex);
            case "liveness" -> ex.sendStatusOnly(HealthCheck.liveness(s, now));
            case "readiness" -> ex.sendStatusOnly(HealthCheck.readiness(ex.query, s, now));
            case "failsafe" -> failsafe.get(ex);
            // switched off, the path is what it is on Patroni: a health check answering the status document
            case "dashboard" -> {
                if (dashboardOn.getAsBoolean()) {
                    dashboard.serve(ex);
                } else {
                    ex.sendJson(HealthCheck.status(ex.path, ex.query, s, now), reads.statusJson(s, now));
                }
            }
            default -> ex.sendJson(HealthCheck.status(ex.path, ex.query, s, now), reads.statusJson(s, now));
        }
    }

    private void unsafe(Exchange ex, String segment, String... handled) throws Exception {
        if (!java.util.List.of(handled).contains(segment)) {
            unsupported(ex);
            return;
        }
        // Regent's cross-site check first (a browser's request made by another site's page is refused whoever sent
        // it), then Patroni's order: allowlist, client certificate, basic auth
        String crossSite = CrossSiteCheck.refusal(ex.http.getRequestHeaders());
        if (crossSite != null) {
            ex.drain();
            ex.sendText(403, crossSite);
            return;
        }
        String denied = guard.get().deny(ex.http, memberApiUrls(status.get()), !segment.equals("failsafe"));
        if (denied != null) {
            ex.drain();
            ex.sendText(403, denied);
            return;
        }
        String failure = auth.check(ex.http.getRequestHeaders().getFirst("Authorization"));
        if (failure != null) {
            ex.drain();
            ex.http.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Patroni\"");
            ex.sendText(401, failure);
            return;
        }
        String route = ex.method + " " + segment;
        switch (route) {
            case "PATCH config" -> config.patch(ex);
            case "PUT config" -> config.put(ex);
            case "POST switchover", "POST failover" -> switchover.post(ex, segment, status.get());
            case "DELETE switchover" -> switchover.delete(ex);
            case "POST restart" -> commands.restart(ex, status.get());
            case "DELETE restart" -> commands.deleteRestart(ex);
            case "POST reload" -> commands.reload(ex);
            case "POST reinitialize" -> commands.reinitialize(ex);
            case "POST failsafe" -> failsafe.post(ex);
            default -> unsupported(ex);
        }
    }

    private static java.util.List<String> memberApiUrls(NodeStatus s) {
        if (s == null || s.cluster() == null || s.cluster().members() == null) return java.util.List.of();
        return s.cluster().members().stream().map(dev.regent.core.model.Member::apiUrl)
                .filter(java.util.Objects::nonNull).toList();
    }

    private static void unsupported(Exchange ex) throws IOException {
        ex.drain();
        ex.sendErrorPage(501, "Unsupported method ('" + ex.method + "')");
    }
}
