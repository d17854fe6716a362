package dev.regent.dcs.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.regent.core.model.MemberData;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.testkit.TestPki;
import dev.regent.testkit.consul.ConsulTestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the Consul store adds to the contract suites: Patroni's session, key layout, service, errors, settings. */
class ConsulStoreTest {
    private ConsulTestServer consul;
    private final List<PatroniDcs> opened = new ArrayList<>();

    @AfterEach
    void stop() {
        opened.forEach(PatroniDcs::close);
        if (consul != null) consul.close();
    }

    private PatroniDcs dcs(String name, Map<String, Object> section, Duration ttl) {
        PatroniDcs d = new PatroniDcs(ConsulKeyValueStore.fromConfig(section, ttl, Duration.ofSeconds(3)),
                "/service", "batman", name);
        opened.add(d);
        return d;
    }

    private Map<String, Object> section(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("host", consul.hostPort());
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static MemberData member(String role, String state, int apiPort) {
        return new MemberData("postgres://127.0.0.1:5433/postgres", "http://127.0.0.1:" + apiPort + "/patroni", null,
                state, role, "4.0.4", 100L, null, null, null, 1, Map.of(), null, null, null, null, false, null);
    }

    @Test
    void patroniKeysAndSession() throws Exception {
        consul = ConsulTestServer.start();
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(30));
        a.touchMember(member("primary", "running", 8008));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(consul.value("service/batman/leader")).as("KV key without leading slash").isEqualTo("pg0");
        String session = consul.sessionOf("service/batman/leader");
        assertThat(consul.sessionOf("service/batman/members/pg0")).isEqualTo(session);
        assertThat(consul.sessionSummary(session)).as("name/behavior/lock-delay as Patroni")
                .isEqualTo("batman-pg0/delete/1ms");
        assertThat(consul.sessionTtl(session)).as("ttl / 2").isEqualTo(Duration.ofSeconds(15));
        assertThat(a.updateLeader(200, Map.of())).isTrue();
        assertThat(consul.sessionOf("service/batman/leader")).isEqualTo(session);
    }

    @Test
    void sessionTtlBelowTheAgentMinimumIsRaisedToIt() throws Exception {
        consul = ConsulTestServer.start();  // session_ttl_min 10 s
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(8));
        a.touchMember(member("replica", "running", 8008));
        String session = consul.sessionOf("service/batman/members/pg0");
        assertThat(consul.sessionTtl(session)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void leaderRenewalRecreatesTheKeyOnSessionMismatch() throws Exception {
        consul = ConsulTestServer.start(Duration.ofSeconds(1));
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(4));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        String first = consul.sessionOf("service/batman/leader");
        a.reconfigure(Duration.ofSeconds(6), null);  // a new TTL abandons the session (as Patroni)
        assertThat(a.updateLeader(100, Map.of())).isTrue();
        String second = consul.sessionOf("service/batman/leader");
        assertThat(second).isNotEqualTo(first);
        assertThat(consul.sessionTtl(second)).isEqualTo(Duration.ofSeconds(3));
        PatroniDcs b = dcs("pg1", section(), Duration.ofSeconds(4));
        assertThat(b.attemptToAcquireLeader()).isFalse();
    }

    @Test
    void watchWakesWhenTheLeaderSessionExpires() throws Exception {
        consul = ConsulTestServer.start(Duration.ofSeconds(1));
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(2));
        PatroniDcs b = dcs("pg1", section(), Duration.ofSeconds(2));
        assertThat(a.attemptToAcquireLeader()).isTrue();
        b.touchMember(member("replica", "running", 8009));
        b.load();
        long t0 = System.nanoTime();
        CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> {
            try {
                return b.watch(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // pg1 keeps its own session alive meanwhile, pg0 does not
        while (!woke.isDone() && System.nanoTime() - t0 < 6_000_000_000L) {
            b.touchMember(member("replica", "running", 8009));
            Thread.sleep(300);
        }
        assertThat(woke.get(1, TimeUnit.SECONDS)).isTrue();
        assertThat((System.nanoTime() - t0) / 1_000_000).as("within 2 x session TTL (+ slack)").isLessThan(3500);
        assertThat(b.load().isUnlocked()).isTrue();
        assertThat(b.load().member("pg1")).isPresent();
    }

    @Test
    void agentOutageIsAClearDcsExceptionWithinRetryTimeout() throws Exception {
        consul = ConsulTestServer.start();
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(30));
        a.touchMember(member("replica", "running", 8008));
        consul.stop();
        long t0 = System.nanoTime();
        assertThatThrownBy(a::load).isInstanceOf(DcsException.class)
                .hasMessageContaining("Consul agent at " + consul.url() + " not reachable within retry_timeout 3 s")
                .hasMessageContaining("ConnectException");
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(2500L, 5000L);
        assertThat(a.watch(Duration.ofMillis(1500))).as("a watch during the outage times out, no exception")
                .isFalse();
        consul.restart();
        assertThat(a.load().member("pg0")).as("state kept across the agent outage").isPresent();
    }

    @Test
    void tokenAndDatacenter() throws Exception {
        consul = ConsulTestServer.start().requireToken("s3cret");
        PatroniDcs none = dcs("pg0", section(), Duration.ofSeconds(30));
        assertThatThrownBy(none::load).isInstanceOf(DcsException.class)
                .hasMessageContaining("without an ACL token (set consul.token)").hasMessageContaining("HTTP 403");
        PatroniDcs ok = dcs("pg0", section("token", "s3cret", "dc", "dc1", "consistency", "consistent"),
                Duration.ofSeconds(30));
        ok.touchMember(member("replica", "running", 8008));
        assertThat(ok.load().member("pg0")).isPresent();
        PatroniDcs elsewhere = dcs("pg0", section("token", "s3cret", "dc", "dc9"), Duration.ofSeconds(30));
        assertThatThrownBy(elsewhere::load).isInstanceOf(DcsException.class)
                .hasMessageContaining("No path to datacenter");
    }

    @Test
    void sessionChecksBindTheMemberToAnAgentCheck() throws Exception {
        consul = ConsulTestServer.start();
        var client = java.net.http.HttpClient.newHttpClient();
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url() + "/v1/agent/check/register"))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"Name\":\"pg-alive\",\"TTL\":\"60s\",\"Status\":\"passing\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        PatroniDcs a = dcs("pg0", section("checks", List.of("pg-alive")), Duration.ofSeconds(30));
        a.touchMember(member("replica", "running", 8008));
        assertThat(consul.value("service/batman/members/pg0")).isNotNull();
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url()
                        + "/v1/agent/check/fail/pg-alive")).PUT(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(consul.value("service/batman/members/pg0")).as("the check went critical").isNull();
    }

    @Test
    void serviceRegisteredWithRoleTagsAndHealthCheck() throws Exception {
        consul = ConsulTestServer.start();
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        List<String> primaryPath = new ArrayList<>(List.of("/primary"));
        api.createContext("/", ex -> {
            ex.sendResponseHeaders(primaryPath.contains(ex.getRequestURI().getPath()) ? 200 : 503, -1);
            ex.close();
        });
        api.start();
        try {
            int port = api.getAddress().getPort();
            PatroniDcs a = dcs("pg0", section("register_service", true, "service_tags", List.of("zeta", "alpha"),
                    "service_check_interval", "200ms", "service_check_tls_server_name", "db.example"),
                    Duration.ofSeconds(30));
            a.touchMember(member("primary", "running", port));
            JsonNode s = consul.service("batman/pg0");
            assertThat(s.get("Service").asText()).isEqualTo("batman");
            assertThat(s.get("Tags").toString()).isEqualTo("[\"alpha\",\"zeta\",\"primary\",\"master\"]");
            assertThat(s.get("Address").asText()).isEqualTo("127.0.0.1");
            assertThat(s.get("Port").asInt()).isEqualTo(5433);
            assertThat(s.get("EnableTagOverride").asBoolean()).isTrue();
            assertThat(s.get("CheckHTTP").asText()).isEqualTo("http://127.0.0.1:" + port + "/primary");
            assertThat(s.get("CheckInterval").asText()).isEqualTo("0.2s");
            assertThat(s.get("CheckDeregisterCriticalServiceAfter").asText()).isEqualTo("150s");
            assertThat(s.get("CheckTLSServerName").asText()).isEqualTo("db.example");
            waitForCheck("service:batman/pg0", "passing");
            a.touchMember(member("replica", "running", port));
            assertThat(consul.service("batman/pg0").get("Tags").toString())
                    .isEqualTo("[\"alpha\",\"zeta\",\"replica\"]");
            waitForCheck("service:batman/pg0", "critical");  // /replica answers 503 here
            a.touchMember(member("standby_leader", "running", port));
            assertThat(consul.service("batman/pg0").get("Tags").toString())
                    .isEqualTo("[\"alpha\",\"zeta\",\"standby-leader\"]");
            a.touchMember(member("replica", "stopped", port));
            assertThat(consul.service("batman/pg0")).as("deregistered when stopped").isNull();
        } finally {
            api.stop(0);
        }
    }

    @Test
    void registeredAgainWhenTheMemberKeyIsCreatedUnderANewSession() throws Exception {
        consul = ConsulTestServer.start();
        PatroniDcs a = dcs("pg0", section("register_service", true), Duration.ofSeconds(30));
        a.touchMember(member("replica", "running", 8008));
        assertThat(consul.service("batman/pg0")).isNotNull();
        a.closeSession();
        // the agent forgets the service (restarted without it); the member key is created again under a new
        // session with the same data: registered again, as Patroni does for a new member key
        var client = java.net.http.HttpClient.newHttpClient();
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url()
                        + "/v1/agent/service/deregister/batman/pg0")).PUT(java.net.http.HttpRequest.BodyPublishers
                .noBody()).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        a.touchMember(member("replica", "running", 8008));
        assertThat(consul.service("batman/pg0")).as("registered again with the re-created member key").isNotNull();
    }

    @Test
    void aRefusedRegistrationIsTriedAgainAtTheNextRenewal() throws Exception {
        consul = ConsulTestServer.start();
        PatroniDcs a = dcs("pg0", section("register_service", true), Duration.ofSeconds(30));
        consul.refuseServiceRegistrations(1);
        a.touchMember(member("replica", "running", 8008));
        assertThat(consul.service("batman/pg0")).as("refused").isNull();
        a.touchMember(member("replica", "running", 8008));  // unchanged: no KV write, but the session is renewed
        assertThat(consul.service("batman/pg0")).as("registered at the renewal after the failure").isNotNull();
    }

    @Test
    void anotherClientsLockDelayHoldsTheRaceBackUntilItRunsOut() throws Exception {
        consul = ConsulTestServer.start();
        var client = java.net.http.HttpClient.newHttpClient();
        String created = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url()
                        + "/v1/session/create")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"LockDelay\":\"2s\",\"Behavior\":\"delete\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        String other = created.replaceAll(".*\"ID\":\"([^\"]+)\".*", "$1");
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url()
                        + "/v1/kv/service/batman/leader?acquire=" + other)).PUT(java.net.http.HttpRequest.BodyPublishers
                .ofString("old")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(consul.url() + "/v1/session/destroy/"
                + other)).PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        PatroniDcs a = dcs("pg0", section(), Duration.ofSeconds(30));
        assertThat(a.load().isUnlocked()).isTrue();
        assertThat(a.attemptToAcquireLeader()).as("the lock-delay of the session that held it runs").isFalse();
        Thread.sleep(2100);
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(consul.sessionSummary(consul.sessionOf("service/batman/leader"))).endsWith("/1ms");
    }

    @Test
    void serviceNameFromScope() {
        assertThat(ConsulServiceRegistrar.serviceName("Batman_DB.prod 1")).isEqualTo("batman-db-prod-1");
        assertThat(ConsulServiceRegistrar.serviceName("caf\u00e9")).isEqualTo("cafu0233");
    }

    @Test
    void mutualTlsWithCacertCertAndKey(@TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir);
        consul = ConsulTestServer.startHttps(Duration.ofSeconds(10), pki.serverCert(), pki.serverKey(), pki.ca());
        PatroniDcs ok = dcs("pg0", section("scheme", "https", "cacert", pki.ca().toString(),
                "cert", pki.clientCert().toString(), "key", pki.clientKey().toString()), Duration.ofSeconds(30));
        ok.touchMember(member("replica", "running", 8008));
        assertThat(ok.load().member("pg0")).isPresent();
        PatroniDcs noCert = dcs("pg1", section("url", consul.url(), "cacert", pki.ca().toString()),
                Duration.ofSeconds(30));
        assertThatThrownBy(noCert::load).isInstanceOf(DcsException.class).hasMessageContaining("TLS handshake failed");
        PatroniDcs wrongCa = dcs("pg1", section("url", consul.url(), "cacert", pki.otherCa().toString(),
                "cert", pki.clientCert().toString(), "key", pki.clientKey().toString()), Duration.ofSeconds(30));
        assertThatThrownBy(wrongCa::load).isInstanceOf(DcsException.class).hasMessageContaining("TLS handshake failed");
        PatroniDcs noVerify = dcs("pg1", section("url", consul.url(), "verify", "false",
                "cert", pki.clientCert().toString(), "key", pki.clientKey().toString()), Duration.ofSeconds(30));
        assertThat(noVerify.load().member("pg0")).as("verify: false trusts any server").isPresent();
    }

    private void waitForCheck(String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!status.equals(consul.checkStatus(id)) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(consul.checkStatus(id)).isEqualTo(status);
    }
}
