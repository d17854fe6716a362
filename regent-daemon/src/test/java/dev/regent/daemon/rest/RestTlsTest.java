package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.core.model.ClusterView;
import dev.regent.daemon.tls.ClientTls;
import dev.regent.daemon.tls.ServerTls;
import dev.regent.daemon.tls.ServerTls.VerifyClient;
import dev.regent.testkit.TestPki;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API over HTTPS with real certificates (made by openssl) and a real JDK HTTPS client: {@code verify_client}
 * none / optional / required, encrypted keys, certificate reload, the allowlist and the extra headers (§3.2).
 */
class RestTlsTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    private final AtomicReference<NodeStatus> status = new AtomicReference<>(Fixtures.primary());
    private final FakeNodeControl control = new FakeNodeControl();
    private RestApiServer server;

    @BeforeAll
    static void certificates() {
        pki = TestPki.create(dir);
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop();
    }

    private ServerTls tls(VerifyClient verify) throws IOException {
        return ServerTls.load(new ServerTls.Settings(pki.serverCert().toString(), pki.serverKey().toString(), null,
                pki.ca().toString(), null, verify));
    }

    private void start(Security security) throws IOException {
        control.setView(Fixtures.cluster());
        server = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0").withClocks(java.time.Clock.systemUTC(),
                () -> Fixtures.NOW).withSecurity(security), status::get, control);
        server.start();
    }

    private static HttpClient client(boolean withCertificate) throws IOException {
        return new ClientTls(false, pki.ca().toString(), withCertificate ? pki.clientCert().toString() : null,
                withCertificate ? pki.clientKeyEncrypted().toString() : null,
                withCertificate ? TestPki.KEY_PASSWORD : null).httpClient(Duration.ofSeconds(5));
    }

    private HttpResponse<String> call(HttpClient client, String method, String path) throws Exception {
        String scheme = server.tls() == null ? "http" : "https";
        return client.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesHttpsAndChecksNoClientCertificateWithVerifyClientNone() throws Exception {
        start(Security.NONE.withTls(tls(VerifyClient.NONE)));
        HttpResponse<String> r = call(client(false), "GET", "/patroni");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"role\":\"primary\"");
        assertThat(r.sslSession()).isPresent();
        assertThat(call(client(false), "POST", "/reload").statusCode()).isEqualTo(202);
        // a client that does not trust the server's CA does not get an answer
        HttpClient stranger = new ClientTls(false, pki.otherCa().toString(), null, null, null)
                .httpClient(Duration.ofSeconds(5));
        assertThatThrownBy(() -> call(stranger, "GET", "/patroni")).isInstanceOf(IOException.class);
    }

    @Test
    void verifyClientOptionalDemandsACertificateOnUnsafeEndpointsOnly() throws Exception {
        start(Security.NONE.withTls(tls(VerifyClient.OPTIONAL)));
        assertThat(call(client(false), "GET", "/primary").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = call(client(false), "POST", "/reload");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("client certificate required");
        assertThat(control.calls).doesNotContain("requestReload");
        HttpResponse<String> accepted = call(client(true), "POST", "/reload");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(control.calls).contains("requestReload");
    }

    @Test
    void verifyClientRequiredFailsTheHandshakeWithoutACertificateOnEveryEndpoint() throws Exception {
        start(Security.NONE.withTls(tls(VerifyClient.REQUIRED)));
        assertThatThrownBy(() -> call(client(false), "GET", "/primary")).isInstanceOf(IOException.class);
        assertThat(call(client(true), "GET", "/primary").statusCode()).isEqualTo(200);
        assertThat(call(client(true), "POST", "/reload").statusCode()).isEqualTo(202);
    }

    @Test
    void peerProbesReachAMemberThatRequiresClientCertificatesWithTheCtlSettings() throws Exception {
        start(Security.NONE.withTls(tls(VerifyClient.REQUIRED)));
        dev.regent.core.model.MemberData data = new dev.regent.core.model.MemberData("postgres://127.0.0.1:5432/x",
                "https://127.0.0.1:" + server.port() + "/patroni", null, "running", "primary", "4.1.4", 1L, null,
                null, null, 2, Map.of(), null, null, null, null, false, null);
        List<dev.regent.core.model.Member> members = List.of(new dev.regent.core.model.Member("pg0", 1, null, data));
        // the prober's 2 s bound is for a warm JVM: the first handshake of this one loads the TLS classes
        assertThat(call(client(true), "GET", "/patroni").statusCode()).isEqualTo(200);
        var withCertificate = new dev.regent.daemon.loop.PeerProber(dev.regent.time.Ticker.SYSTEM, client(true))
                .probe(members, "pg1").get("pg0");
        assertThat(withCertificate.reachable()).isTrue();
        assertThat(withCertificate.primary()).isTrue();
        var withoutCertificate = new dev.regent.daemon.loop.PeerProber(dev.regent.time.Ticker.SYSTEM, client(false))
                .probe(members, "pg1").get("pg0");
        assertThat(withoutCertificate.reachable()).isFalse();
    }

    @Test
    void anEncryptedServerKeyIsReadWithItsPassword() throws Exception {
        Path encrypted = dir.resolve("server-des3.key");
        pki.openssl("pkcs8", "-topk8", "-v2", "des3", "-in", "server.key", "-out", encrypted.getFileName().toString(),
                "-passout", "pass:" + TestPki.KEY_PASSWORD);
        assertThatThrownBy(() -> ServerTls.load(new ServerTls.Settings(pki.serverCert().toString(),
                encrypted.toString(), "wrong", null, null, VerifyClient.NONE)))
                .isInstanceOf(IOException.class).hasMessageContaining(encrypted.toString())
                .hasMessageContaining("wrong keyfile_password");
        start(Security.NONE.withTls(ServerTls.load(new ServerTls.Settings(pki.serverCert().toString(),
                encrypted.toString(), TestPki.KEY_PASSWORD, null, null, VerifyClient.NONE))));
        assertThat(call(client(false), "GET", "/primary").statusCode()).isEqualTo(200);
    }

    @Test
    void reloadServesTheRenewedCertificateToNewConnections() throws Exception {
        Path cert = dir.resolve("live.pem");
        Files.copy(pki.serverCert(), cert, StandardCopyOption.REPLACE_EXISTING);
        ServerTls.Settings settings = new ServerTls.Settings(cert.toString(), pki.serverKey().toString(), null,
                pki.ca().toString(), null, VerifyClient.NONE);
        ServerTls tls = ServerTls.load(settings);
        start(Security.NONE.withTls(tls));
        BigInteger before = serial(call(client(false), "GET", "/primary"));
        pki.openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAserial", "ca.srl",
                "-out", "renewed.pem", "-days", "2", "-extfile", "server.ext");
        Files.copy(dir.resolve("renewed.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
        tls.reload(settings);
        BigInteger after = serial(call(client(false), "GET", "/primary"));
        assertThat(after).isNotEqualTo(before)
                .isEqualTo(((X509Certificate) dev.regent.daemon.tls.Pem.certificates(cert).get(0)).getSerialNumber());
        // a broken file keeps the previous certificate in service
        Files.writeString(cert, "not a certificate");
        assertThatThrownBy(() -> tls.reload(settings)).isInstanceOf(IOException.class)
                .hasMessageContaining(cert.toString());
        assertThat(serial(call(client(false), "GET", "/primary"))).isEqualTo(after);
    }

    private static BigInteger serial(HttpResponse<?> r) throws Exception {
        assertThat(r.statusCode()).isEqualTo(200);
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void theAllowlistGuardsUnsafeEndpoints() throws Exception {
        start(Security.NONE.withAllowlist(List.of("10.0.0.0/8", "192.0.2.7"), false));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> denied = call(http, "POST", "/reload");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("Access is denied");
        assertThat(call(http, "GET", "/primary").statusCode()).as("reads are never checked").isEqualTo(200);
        assertThat(control.calls).doesNotContain("requestReload");
        server.reconfigure(Security.NONE.withAllowlist(List.of("127.0.0.0/30"), false));
        assertThat(call(http, "POST", "/reload").statusCode()).isEqualTo(202);
        server.reconfigure(Security.NONE.withAllowlist(List.of("localhost"), false));
        assertThat(call(http, "POST", "/reload").statusCode()).as("host names are resolved").isEqualTo(202);
    }

    @Test
    void allowlistIncludeMembersLetsTheMembersApiHostsIn() throws Exception {
        // every member of Fixtures.cluster() publishes http://127.0.0.1:8008/patroni
        start(Security.NONE.withAllowlist(List.of(), true));
        HttpClient http = HttpClient.newHttpClient();
        assertThat(call(http, "POST", "/reload").statusCode()).isEqualTo(202);
        status.set(Fixtures.replicaBuilder(ClusterView.empty()).build());
        assertThat(call(http, "POST", "/reload").statusCode()).isEqualTo(403);
        // POST /failsafe is checked against the allowlist alone (Patroni): no list, so it passes
        control.failsafeOn = true;
        HttpResponse<String> failsafe = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/failsafe")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"name\":\"pg1\",\"conn_url\":\"postgres://x\",\"api_url\":\"http://x/patroni\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(failsafe.statusCode()).isEqualTo(200);
    }

    @Test
    void extraHeadersAndServerTokensAreAddedToAnswers() throws Exception {
        Security headers = Security.NONE.withHeaders(Map.of("X-Frame-Options", "DENY"),
                Map.of("Strict-Transport-Security", "max-age=31536000"), "minimal");
        start(headers);
        HttpResponse<String> plain = call(HttpClient.newHttpClient(), "GET", "/primary");
        assertThat(plain.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(plain.headers().firstValue("Strict-Transport-Security")).as("https only").isEmpty();
        assertThat(plain.headers().firstValue("Server")).hasValue("Patroni/" + dev.regent.daemon.Versions
                .PATRONI_COMPATIBLE);
        server.stop();
        start(headers.withTls(tls(VerifyClient.NONE)).withHeaders(headers.httpExtraHeaders(),
                headers.httpsExtraHeaders(), "productonly"));
        HttpResponse<String> secure = call(client(false), "GET", "/nonexistent");
        assertThat(secure.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(secure.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
        assertThat(secure.headers().firstValue("Server")).hasValue("Patroni");
    }
}
