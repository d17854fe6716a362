package dev.regent.daemon.rest;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.regent.daemon.tls.ServerTls;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's REST API on the JDK's built-in HTTP server (HTTP/1.1 with keep-alive). Each exchange starts on a
 * connection thread of its own (a slow or stalled client never holds others up, and a request not read in full within
 * {@value #MAX_REQUEST_SECONDS} s is dropped); snapshot reads (health checks, {@code /metrics}) are answered there,
 * requests that may block (including {@code /patroni}, which reads the WAL positions from postgres) run on a bounded
 * pool of worker threads (at most {@code threads} at once, the rest queued), which are started on demand and end after
 * {@value #WORKER_IDLE_SECONDS} s without work, so an idle node holds none.
 * Read endpoints answer from the {@link NodeStatus} that the HA loop publishes (no SQL or DCS call per health
 * check); writes and fresh reads go through {@link NodeControl}.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #stop()} once. {@code start} binds and returns; requests are
 * served on the pool's threads. Thread-safe.
 */
public final class RestApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RestApiServer.class);

    /** The JDK server's bound on reading one request (line, headers and body), in seconds. */
    static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";
    static final long MAX_REQUEST_SECONDS = 10;
    /** How long an idle worker thread waits for the next blocking request before it ends. */
    static final long WORKER_IDLE_SECONDS = 30;

    static {
        // Responses are written as headers + body; without TCP_NODELAY, Nagle plus delayed ACKs add ~40 ms on
        // keep-alive connections. Must be set before the JDK server reads its configuration.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // A client that stops half-way through its request line, headers or body would otherwise hold its thread
        // (and its connection) forever: the JDK closes a connection whose request is not read in full within this
        // many seconds (and one that sends nothing at all after connecting). Handlers' own time is not counted.
        if (System.getProperty(MAX_REQUEST_TIME_PROPERTY) == null) {
            System.setProperty(MAX_REQUEST_TIME_PROPERTY, Long.toString(MAX_REQUEST_SECONDS));
        }
    }

    /**
     * Server settings.
     *
     * @param listen            {@code restapi.listen}: {@code host:port}; host {@code ''}, {@code *}, {@code 0.0.0.0}
     *                          or {@code ::} = all interfaces; port 0 = any free port
     * @param username          basic auth user for unsafe endpoints, or null for none
     * @param password          basic auth password
     * @param threads           worker threads (Patroni's {@code thread_pool_size}, at least 5)
     * @param backlog           listen backlog ({@code request_queue_size}); 0 = the system's default
     * @param clock             wall clock (schedule checks)
     * @param monotonicMillis   monotonic clock of the {@link NodeStatus} deadlines
     * @param switchoverTimeout how long an immediate switchover is awaited; null = {@code 2*max(10, loop_wait)} s
     * @param waitTicker        the real-time bound of requests that wait (an immediate switchover)
     * @param sleeper           how those requests pause between polls
     * @param security          HTTPS, allowlist and extra headers ({@link Security#NONE}: plain HTTP, open)
     */
    public record Options(String listen, String username, String password, int threads, int backlog, Clock clock,
                          LongSupplier monotonicMillis, Duration switchoverTimeout, Ticker waitTicker,
                          Sleeper sleeper, Security security) {
        public Options {
            Objects.requireNonNull(listen, "restapi.listen");
            threads = Math.max(5, threads);
            backlog = Math.max(0, backlog);
            clock = clock == null ? Ticker.SYSTEM.wallClock() : clock;
            monotonicMillis = monotonicMillis == null ? RestApiServer::nanoMillis : monotonicMillis;
            waitTicker = waitTicker == null ? Ticker.SYSTEM : waitTicker;
            sleeper = sleeper == null ? Sleeper.SYSTEM : sleeper;
            security = security == null ? Security.NONE : security;
        }

        /** Defaults: no auth, 5 threads, backlog 64, system clocks, Patroni's switchover timeout, plain HTTP. */
        public static Options of(String listen) {
            return new Options(listen, null, null, 5, 64, null, null, null, null, null, null);
        }

        public Options withAuth(String user, String pass) {
            return new Options(listen, user, pass, threads, backlog, clock, monotonicMillis, switchoverTimeout,
                    waitTicker, sleeper, security);
        }

        /** The clocks of schedules and of {@link NodeStatus} deadlines (request waits keep theirs). */
        public Options withClocks(Clock wall, LongSupplier monotonic) {
            return new Options(listen, username, password, threads, backlog, wall, monotonic, switchoverTimeout,
                    waitTicker, sleeper, security);
        }

        /** Every clock from {@code ticker} (wall, monotonic, request waits), pausing with {@code pause}. */
        public Options withTime(Ticker ticker, Sleeper pause) {
            return new Options(listen, username, password, threads, backlog, ticker.wallClock(),
                    ticker::monotonicMillis, switchoverTimeout, ticker, pause, security);
        }

        public Options withThreads(int n) {
            return new Options(listen, username, password, n, backlog, clock, monotonicMillis, switchoverTimeout,
                    waitTicker, sleeper, security);
        }

        /** {@code request_queue_size}: the listen backlog. */
        public Options withBacklog(int n) {
            return new Options(listen, username, password, threads, n, clock, monotonicMillis, switchoverTimeout,
                    waitTicker, sleeper, security);
        }

        public Options withSwitchoverTimeout(Duration d) {
            return new Options(listen, username, password, threads, backlog, clock, monotonicMillis, d, waitTicker,
                    sleeper, security);
        }

        public Options withSecurity(Security s) {
            return new Options(listen, username, password, threads, backlog, clock, monotonicMillis,
                    switchoverTimeout, waitTicker, sleeper, s);
        }
    }

    /** The monotonic clock the daemon should use for {@link NodeStatus} deadlines by default. */
    public static long nanoMillis() {
        return Ticker.SYSTEM.monotonicMillis();
    }

    private final Options options;
    private final Supplier<NodeStatus> status;
    private final NodeControl control;
    private volatile Guard guard;
    /** {@code regent.dashboard.enabled}; reloadable. */
    private volatile boolean dashboard = true;
    private HttpServer server;
    private ThreadPoolExecutor pool;
    private ExecutorService connections;

    public RestApiServer(Options options, Supplier<NodeStatus> status, NodeControl control) {
        this.options = Objects.requireNonNull(options, "options");
        this.status = Objects.requireNonNull(status, "status");
        this.control = Objects.requireNonNull(control, "control");
        this.guard = new Guard(options.security());
    }

    /** Bind and start serving. Throws when the address is taken or invalid. */
    public synchronized void start() throws IOException {
        if (server != null) throw new IllegalStateException("REST API already started");
        InetSocketAddress address = parseListen(options.listen());
        ServerTls tls = options.security().tls();
        HttpServer s;
        if (tls == null) {
            s = HttpServer.create(address, options.backlog());
        } else {
            HttpsServer https = HttpsServer.create(address, options.backlog());
            https.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setSSLParameters(tls.parameters());
                }
            });
            s = https;
        }
        Router router = new Router(status, control, new BasicAuth(options.username(), options.password()),
                () -> guard, options.clock(), options.monotonicMillis(), options.switchoverTimeout(),
                options.waitTicker(), options.sleeper(), () -> dashboard);
        // As a fixed pool (the same bound and queue), but an idle node holds no worker: blocking requests are rare
        // (switchover, restart, /patroni, /cluster), and each waiting thread keeps its stack resident.
        pool = new ThreadPoolExecutor(options.threads(), options.threads(), WORKER_IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threadFactory("restapi-"));
        pool.allowCoreThreadTimeOut(true);
        router.setWorkers(pool);
        s.createContext("/", router);
        // The JDK reads each request's line and headers (and runs the TLS handshake) on the thread of its executor,
        // blocking. On the dispatcher thread (the default) one client that sends half a request line and stalls
        // would hold every other request up, health checks included; so every exchange starts on a thread of its
        // own, and the router answers snapshot reads right there and hands blocking requests to the pool.
        connections = Executors.newCachedThreadPool(threadFactory(tls == null ? "restapi-conn-" : "restapi-tls-"));
        s.setExecutor(connections);
        s.start();
        server = s;
        LOG.info("REST API listening on {} ({})", s.getAddress(), tls == null ? "http" : "https");
    }

    /**
     * Takes a reloaded configuration's allowlist, extra headers and {@code server_tokens} (the TLS files are
     * reloaded through the {@link ServerTls} itself; switching TLS on or off needs a restart).
     */
    public void reconfigure(Security s) {
        guard = new Guard(s.withTls(options.security().tls()));
    }

    /**
     * Whether {@code GET /dashboard} serves the built-in dashboard ({@code regent.dashboard.enabled}, on by default);
     * takes effect at the next request, so a reload switches it.
     */
    public void setDashboard(boolean enabled) {
        dashboard = enabled;
    }

    /** The HTTPS side, or null when serving plain HTTP. */
    public ServerTls tls() {
        return options.security().tls();
    }

    /** The bound port (useful with port 0). */
    public synchronized int port() {
        if (server == null) throw new IllegalStateException("REST API not started");
        return server.getAddress().getPort();
    }

    /** The worker pool of blocking requests (tests look at its sizing). */
    synchronized ThreadPoolExecutor workers() {
        if (pool == null) throw new IllegalStateException("REST API not started");
        return pool;
    }

    /** Stop accepting, give running requests up to a second, then stop the workers. Idempotent. */
    public synchronized void stop() {
        if (server == null) return;
        server.stop(0);
        pool.shutdownNow();
        connections.shutdownNow();
        try {
            pool.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** {@code host:port}; empty host, {@code *}, {@code 0.0.0.0} and {@code ::} mean every interface. */
    static InetSocketAddress parseListen(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("restapi.listen must be host:port, got '" + listen + "'");
        String host = listen.substring(0, colon).trim();
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("restapi.listen has an invalid port: '" + listen + "'");
        }
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::")) {
            return new InetSocketAddress(port);
        }
        return new InetSocketAddress(host, port);
    }

    private static ThreadFactory threadFactory(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
