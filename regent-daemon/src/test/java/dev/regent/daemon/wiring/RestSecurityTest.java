package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.config.NodeConfig;
import dev.regent.core.config.NodeConfig.Credentials;
import dev.regent.daemon.rest.RestApiServer;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code restapi} / {@code ctl} keys as the REST API server's options and the peers' HTTP client. */
class RestSecurityTest {
    private static NodeConfig.RestApiConfig restapi(Integer queue, int threads) {
        return new NodeConfig.RestApiConfig("127.0.0.1:0", "127.0.0.1:8008", new Credentials("u", "p"), null,
                List.of("10.0.0.0/8"), true, Map.of("X-A", "1"), Map.of(), "minimal", queue, threads);
    }

    @Test
    void backlogAndThreadsComeFromTheConfiguration() {
        RestApiServer.Options defaults = RestSecurity.options(restapi(null, 5), null);
        assertThat(defaults.backlog()).as("unset: Regent's 64").isEqualTo(64);
        assertThat(defaults.threads()).isEqualTo(5);
        assertThat(defaults.username()).isEqualTo("u");
        RestApiServer.Options tuned = RestSecurity.options(restapi(200, 12), null);
        assertThat(tuned.backlog()).isEqualTo(200);
        assertThat(tuned.threads()).isEqualTo(12);
        assertThat(tuned.security().allowlist()).containsExactly("10.0.0.0/8");
        assertThat(tuned.security().allowlistIncludeMembers()).isTrue();
        assertThat(tuned.security().httpExtraHeaders()).containsEntry("X-A", "1");
        assertThat(tuned.security().serverTokens()).isEqualTo("minimal");
        assertThat(tuned.security().tls()).isNull();
    }

    @Test
    void aCtlCertificateThatCannotBeReadIsAnErrorNamingIt() {
        assertThatThrownBy(() -> RestSecurity.peerClient(new NodeConfig.CtlTls(false, null, "/nonexistent/c.pem",
                null, null))).isInstanceOf(UncheckedIOException.class).hasMessageContaining("/nonexistent/c.pem");
        assertThat(RestSecurity.peerClient(NodeConfig.CtlTls.NONE)).isNotNull();
    }

    @Test
    void thePeersClientIsBuiltOnItsFirstCallAndThenServes() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/liveness", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.start();
        try {
            java.net.http.HttpClient client = RestSecurity.peerClient(NodeConfig.CtlTls.NONE);
            assertThat(client).isInstanceOf(LazyHttpClient.class);
            assertThat(((LazyHttpClient) client).built()).as("no client (and no selector thread) while unused")
                    .isFalse();
            java.net.http.HttpResponse<Void> r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/liveness")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(((LazyHttpClient) client).built()).isTrue();
            assertThat(client.connectTimeout()).contains(java.time.Duration.ofSeconds(2));
            assertThat(client.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
        } finally {
            server.stop(0);
        }
    }
}
