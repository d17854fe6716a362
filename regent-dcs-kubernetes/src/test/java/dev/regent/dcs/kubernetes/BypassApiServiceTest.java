package dev.regent.dcs.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.regent.dcs.PatroniDcs;
import dev.regent.dcs.tls.PemTls;
import dev.regent.testkit.FakeKubernetesApi;
import dev.regent.testkit.FreePorts;
import dev.regent.testkit.ManualTicker;
import dev.regent.testkit.TestPki;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bypass_api_service} against the in-process fake API server: the "Service" address is the fake's own
 * port; the API servers' own addresses are further listeners of the same fake on 127.0.0.2 and 127.0.0.3 (one
 * port, as one Endpoints subset lists them), so every address serves the same objects.
 */
class BypassApiServiceTest {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private final String ns = "bypass" + NAMESPACES.incrementAndGet();
    private final FakeKubernetesApi api = new FakeKubernetesApi("t0ken");

    @AfterEach
    void stop() {
        api.close();
    }

    private KubeConnection connection() {
        return new KubeConnection(api.url(), () -> "Bearer t0ken", null, "test");
    }

    private KubeApi kubeApi(Duration refresh) {
        return kubeApi(refresh, Duration.ofSeconds(10));  // Patroni's default retry_timeout: room on a busy machine
    }

    private KubeApi kubeApi(Duration refresh, Duration retryTimeout) {
        return new KubeApi(connection(), true, refresh, retryTimeout, Set.of(500, 503, 504), Ticker.SYSTEM,
                Sleeper.SYSTEM);
    }

    private PatroniDcs dcs(String name) {
        KubernetesDcsTest.pods(api, ns, "batman");
        KubernetesKeyValueStore store = new KubernetesKeyValueStore(KubernetesSettings.fromMap(
                KubernetesDcsTest.section(ns, true)), connection(), Duration.ofSeconds(30), Duration.ofSeconds(10),
                Ticker.SYSTEM, Sleeper.SYSTEM, true, Duration.ofMillis(200));
        return new PatroniDcs(store, "/service", "batman", name);
    }

    /** Requests served on the fake's own port (the "Service"): all minus those of the other addresses. */
    private static int serviceRequests(FakeKubernetesApi api, FakeKubernetesApi.Listener... others) {
        int n = api.requests();
        for (FakeKubernetesApi.Listener l : others) n -= l.requests();
        return n;
    }

    @Test
    void requestsGoToTheApiServersOwnAddressesAndMoveToTheNextWhenOneStops() throws Exception {
        int port = FreePorts.one();
        FakeKubernetesApi.Listener a = api.listenAlso("127.0.0.2", port);
        FakeKubernetesApi.Listener b = api.listenAlso("127.0.0.3", port);
        api.putEndpoints(List.of("127.0.0.2", "127.0.0.3"), port);
        PatroniDcs dcs = dcs("pg0");

        assertThat(dcs.initialize(true, "")).isTrue();
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        // The Service was asked once, for the Endpoints; everything else went to one API server's own address.
        assertThat(serviceRequests(api, a, b)).isEqualTo(1);
        assertThat(a.requests() + b.requests()).isGreaterThanOrEqualTo(2);
        assertThat(a.requests() == 0 || b.requests() == 0).as("one address in use, a %d, b %d", a.requests(),
                b.requests()).isTrue();

        FakeKubernetesApi.Listener used = a.requests() > 0 ? a : b;
        FakeKubernetesApi.Listener other = used == a ? b : a;
        int before = other.requests();
        used.stop();  // that API server goes away: connections to it are refused
        assertThat(dcs.updateLeader(4242, Map.of())).isTrue();
        assertThat(dcs.load().leader().name()).isEqualTo("pg0");
        assertThat(other.requests()).isGreaterThan(before);
        assertThat(serviceRequests(api, a, b)).as("the Service stays bypassed").isEqualTo(1);
        dcs.close();
    }

    @Test
    void theAddressListIsReadAgainWhenOlderThanTheRefreshInterval() throws Exception {
        int port = FreePorts.one();
        api.listenAlso("127.0.0.2", port);
        api.listenAlso("127.0.0.3", port);
        api.putEndpoints(List.of("127.0.0.2"), port);
        ManualTicker clock = new ManualTicker();  // the calls succeed at once: only the refresh reads this clock
        KubeApi k = new KubeApi(connection(), true, Duration.ofMillis(9_500), Duration.ofSeconds(10),
                Set.of(500, 503, 504), clock, clock);
        assertThat(k.get(KubeApi.path(ns, "configmaps", "x")).status()).isEqualTo(404);
        assertThat(k.servers()).containsExactly(URI.create("http://127.0.0.2:" + port));

        api.putEndpoints(List.of("127.0.0.3"), port);  // the control plane moved
        clock.advance(Duration.ofSeconds(9));
        k.get(KubeApi.path(ns, "configmaps", "x"));
        assertThat(k.servers()).as("not yet: the list is younger than the interval").containsExactly(
                URI.create("http://127.0.0.2:" + port));
        clock.advance(Duration.ofSeconds(1));
        k.get(KubeApi.path(ns, "configmaps", "x"));
        assertThat(k.servers()).containsExactly(URI.create("http://127.0.0.3:" + port));
        assertThat(k.server()).isEqualTo(URI.create("http://127.0.0.3:" + port));
    }

    @Test
    void withoutTheEndpointsObjectRequestsStayOnTheService() throws Exception {
        KubeApi k = kubeApi(Duration.ofMillis(100));
        assertThat(k.get(KubeApi.path(ns, "configmaps", "x")).status()).isEqualTo(404);
        assertThat(k.servers()).containsExactly(api.url());

        PatroniDcs dcs = dcs("pg0");
        assertThat(dcs.initialize(true, "")).isTrue();
        assertThat(dcs.attemptToAcquireLeader()).isTrue();
        assertThat(dcs.load().leader().name()).isEqualTo("pg0");
        dcs.close();
    }

    @Test
    void anEndpointsObjectWithoutAddressesKeepsTheService() throws Exception {
        api.putEndpoints(List.of(), 6443);
        KubeApi k = kubeApi(Duration.ofMillis(100));
        assertThat(k.get(KubeApi.path(ns, "configmaps", "x")).status()).isEqualTo(404);
        assertThat(k.servers()).containsExactly(api.url());
    }

    @Test
    void forbiddenEndpointsTurnBypassOffForGood() throws Exception {
        int port = FreePorts.one();
        api.listenAlso("127.0.0.2", port);
        api.putEndpoints(List.of("127.0.0.2"), port);
        api.failNext(403, 1);  // the first request is the read of default/endpoints/kubernetes: RBAC says no
        KubeApi k = kubeApi(Duration.ofMillis(50));
        assertThat(k.get(KubeApi.path(ns, "configmaps", "x")).status()).isEqualTo(404);
        Thread.sleep(100);
        k.get(KubeApi.path(ns, "configmaps", "x"));
        assertThat(k.servers()).containsExactly(api.url());
    }

    @Test
    void whenNoAddressAnswersTheCallFailsWithinRetryTimeoutNamingThem() {
        int port = FreePorts.one();
        FakeKubernetesApi.Listener a = api.listenAlso("127.0.0.2", port);
        api.putEndpoints(List.of("127.0.0.2"), port);
        KubeApi k = kubeApi(Duration.ofSeconds(30), Duration.ofSeconds(3));
        a.stop();
        long start = System.nanoTime();
        assertThatThrownBy(() -> k.get(KubeApi.path(ns, "configmaps", "x")))
                .hasMessageContaining("127.0.0.2:" + port).hasMessageContaining("retry_timeout 3 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void addressesAreThoseOfTheFirstSubsetWithTheHttpsPort() throws Exception {
        JsonNode endpoints = KubeApi.MAPPER.readTree("""
                {"subsets": [
                  {"addresses": [{"ip": "10.0.0.9"}], "ports": [{"name": "metrics", "port": 9000}]},
                  {"addresses": [{"ip": "10.0.0.1"}], "ports": [{"name": "https", "port": 6443, "protocol": "UDP"}]},
                  {"addresses": [{"ip": "10.0.0.2"}, {"ip": "fd00::3"}],
                   "ports": [{"name": "other", "port": 1}, {"name": "https", "port": 6443, "protocol": "TCP"}]},
                  {"addresses": [{"ip": "10.0.0.4"}], "ports": [{"name": "https", "port": 6443}]}
                ]}""");
        assertThat(ApiServers.addresses(endpoints, "https")).containsExactly(URI.create("https://10.0.0.2:6443"),
                URI.create("https://[fd00::3]:6443"));
        assertThat(ApiServers.addresses(KubeApi.MAPPER.readTree("{\"subsets\": []}"), "https")).isEmpty();
        assertThat(ApiServers.addresses(null, "https")).isEmpty();
    }

    /**
     * The API servers' own addresses are reached by IP, which their certificates need not name: the chain is still
     * checked against the CA, the name is not. The server's certificate names 127.0.0.1 and localhost; it listens on
     * 127.0.0.2.
     */
    @Test
    void byAddressTheCertificateChainIsCheckedButNotTheName(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"),
                FreePorts.one()), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(new PemTls(pki.ca(), pki.serverCert(), pki.serverKey(),
                null).sslContext()));
        server.createContext("/", ex -> {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            URI url = URI.create("https://127.0.0.2:" + server.getAddress().getPort() + "/");
            assertThat(get(AddressTls.sslContext(pki.ca(), null, null), url)).isEqualTo(200);
            assertThatThrownBy(() -> get(new PemTls(pki.ca(), null, null, null).sslContext(), url))
                    .as("the name check of the ordinary context").isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> get(AddressTls.sslContext(pki.otherCa(), null, null), url))
                    .as("another CA").isInstanceOf(SSLHandshakeException.class);
        } finally {
            server.stop(0);
        }
    }

    private static int get(SSLContext ssl, URI url) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(3)).build();
        return c.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
