package dev.regent.daemon.wiring;

import dev.regent.core.config.NodeConfig;
import dev.regent.daemon.rest.RestApiServer;
import dev.regent.daemon.rest.Security;
import dev.regent.daemon.tls.ClientTls;
import dev.regent.daemon.tls.ServerTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code restapi} and {@code ctl} security settings turned into the REST API server's options and the HTTP client
 * of the daemon's calls to other members; their reload on SIGHUP / {@code POST /reload}. Stateless.
 */
final class RestSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(RestSecurity.class);

    private RestSecurity() {}

    /** The HTTPS side of {@code restapi}, or null for plain HTTP; a file that cannot be used stops the start. */
    static ServerTls loadTls(NodeConfig.RestApiConfig restapi) throws IOException {
        if (restapi.tls() == null) return null;
        ServerTls tls = ServerTls.load(settings(restapi.tls()));
        if (!tls.ignoredCiphers().isEmpty()) {
            LOG.warn("restapi.ciphers: ignored entries that name no cipher suite of this JVM: {}",
                    tls.ignoredCiphers());
        }
        return tls;
    }

    /** The server's options: listen, auth, backlog, threads, TLS, allowlist, headers. */
    static RestApiServer.Options options(NodeConfig.RestApiConfig restapi, ServerTls tls) {
        RestApiServer.Options o = RestApiServer.Options.of(restapi.listen()).withThreads(restapi.threadPoolSize())
                .withSecurity(security(restapi).withTls(tls));
        // without request_queue_size the backlog stays Regent's 64 (Patroni's 5 drops health checks under load)
        if (restapi.requestQueueSize() != null) o = o.withBacklog(restapi.requestQueueSize());
        if (restapi.authentication() != null && restapi.authentication().isSet()) {
            o = o.withAuth(restapi.authentication().username(), restapi.authentication().password());
        }
        return o;
    }

    /**
     * The client of the daemon's calls to members' REST APIs ({@code ctl} TLS, Patroni's 2 s timeout). The TLS files
     * are read now (a node whose calls cannot work must not start); the client itself is built on its first call, so
     * an idle node holds no selector thread for it.
     */
    static HttpClient peerClient(NodeConfig.CtlTls ctl) {
        ClientTls tls = clientTls(ctl);
        javax.net.ssl.SSLContext context;
        try {
            context = tls.isDefault() ? null : tls.sslContext();
        } catch (IOException e) {
            throw new UncheckedIOException("ctl: " + e.getMessage(), e);
        }
        return new LazyHttpClient(() -> {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                    .version(HttpClient.Version.HTTP_1_1);
            if (context != null) b.sslContext(context);
            return b.build();
        });
    }

    /**
     * One HTTPS call to our own API in the background, so that the JVM has loaded and compiled its TLS code before
     * the first leader-race probe: a cold JVM's first handshake can take longer than the probes' 2 s on a busy
     * machine, and the peer would count as unreachable. Its answer does not matter.
     */
    static void warmUp(HttpClient client, String url) {
        Thread t = new Thread(() -> {
            try {
                client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .timeout(Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            } catch (IOException | RuntimeException e) {
                LOG.debug("TLS warm-up call to {}: {}", url, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "restapi-tls-warmup");
        t.setDaemon(true);
        t.start();
    }

    static ClientTls clientTls(NodeConfig.CtlTls ctl) {
        return new ClientTls(ctl.insecure(), ctl.cacert(), ctl.certfile(), ctl.keyfile(), ctl.keyfilePassword());
    }

    /**
     * A reloaded configuration: certificates re-read (a failure keeps the previous ones and is logged), allowlist
     * and headers replaced. Switching HTTPS on or off needs a restart.
     */
    static void reload(RestApiServer rest, NodeConfig.RestApiConfig now) {
        ServerTls tls = rest.tls();
        if ((tls == null) != (now.tls() == null)) {
            LOG.warn("restapi.certfile was {}: HTTPS is switched {} at the next restart only",
                    now.tls() == null ? "removed" : "added", now.tls() == null ? "off" : "on");
        } else if (tls != null) {
            try {
                tls.reload(settings(now.tls()));
                LOG.info("REST API certificates reloaded from {}", now.tls().certfile());
            } catch (IOException | IllegalArgumentException e) {
                LOG.error("REST API certificates not reloaded, the previous ones stay in use: {}", e.getMessage());
            }
        }
        try {
            rest.reconfigure(security(now));
        } catch (IllegalArgumentException e) {
            LOG.error("restapi.allowlist not reloaded: {}", e.getMessage());
        }
    }

    private static Security security(NodeConfig.RestApiConfig r) {
        return new Security(null, r.allowlist(), r.allowlistIncludeMembers(), r.httpExtraHeaders(),
                r.httpsExtraHeaders(), r.serverTokens());
    }

    private static ServerTls.Settings settings(NodeConfig.RestApiTls t) {
        return new ServerTls.Settings(t.certfile(), t.keyfile(), t.keyfilePassword(), t.cafile(), t.ciphers(),
                ServerTls.VerifyClient.of(t.verifyClient()));
    }
}
