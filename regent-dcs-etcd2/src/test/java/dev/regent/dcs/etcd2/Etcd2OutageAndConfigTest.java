package dev.regent.dcs.etcd2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Outages, a server without the v2 API, host failover, basic authentication and the section's keys. */
class Etcd2OutageAndConfigTest {

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void serverWithoutTheV2ApiStopsTheStartWithAClearError() {
        try (EtcdProcess etcd = EtcdProcess.start()) {  // etcd 3.4 without --enable-v2 answers 404 as 3.6 does
            assertThatThrownBy(() -> Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort()),
                    Duration.ofSeconds(30), Duration.ofSeconds(10)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not serve the v2 API (HTTP 404 on /v2/keys)")
                    .hasMessageContaining("etcd 3.6 removed it")
                    .hasMessageContaining("--enable-v2")
                    .hasMessageContaining("'etcd3:' section");
            // met later (etcd upgraded under a running node), it is reported at once, not retried for retry_timeout
            Etcd2KeyValueStore store = new Etcd2KeyValueStore(Etcd2Config.fromMap(Map.of("host", etcd.hostPort())),
                    Duration.ofSeconds(30), Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.getPrefix("/service/")).isInstanceOf(Etcd2ApiMissingException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void unreachableServerAtStartIsLeftToTheRetries() throws Exception {
        Etcd2KeyValueStore store = Etcd2KeyValueStore.fromConfig(Map.of("host", "127.0.0.1:" + deadPort()),
                Duration.ofSeconds(30), Duration.ofSeconds(1));
        assertThatThrownBy(() -> store.getPrefix("/service/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT1S");
    }

    @Test
    void outageIsReportedWithinRetryTimeoutAndRecovers() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.startWithV2()) {
            Etcd2KeyValueStore store = Etcd2KeyValueStore.fromConfig(Map.of("url", etcd.endpoint()),
                    Duration.ofSeconds(2), Duration.ofSeconds(1));
            store.put("/outage/config", "{}", false);
            etcd.kill();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> store.getPrefix("/outage/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("retry_timeout");
            assertThatThrownBy(() -> store.create("/outage/leader", "pg0", true)).isInstanceOf(DcsException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
            etcd.restart();
            assertThat(store.getPrefix("/outage/")).extracting(KeyValue::value).containsExactly("{}");
        }
    }

    @Test
    void aWatchWakesWhenTheLeaderKeyExpiresAndNotOnRefreshes() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.startWithV2()) {
            Etcd2KeyValueStore leader = Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort()),
                    Duration.ofSeconds(2), Duration.ofSeconds(5));
            Etcd2KeyValueStore replica = Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort()),
                    Duration.ofSeconds(2), Duration.ofSeconds(5));
            assertThat(leader.create("/expiry/leader", "pg0", true)).isTrue();
            replica.getPrefix("/expiry/");
            long rev = replica.lastRevision();
            Thread.sleep(1200);
            leader.keepAlive();  // a TTL refresh: no event for watchers
            assertThat(replica.awaitChange("/expiry/", rev, Duration.ofMillis(700))).as("refresh wakes nobody")
                    .isFalse();
            long t0 = System.nanoTime();
            assertThat(replica.awaitChange("/expiry/", rev, Duration.ofSeconds(10))).as("expiry wakes").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(replica.getPrefix("/expiry/")).isEmpty();
        }
    }

    @Test
    void deadFirstHostIsSkipped() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.startWithV2()) {
            String hosts = "127.0.0.1:" + deadPort() + "," + etcd.hostPort();
            Etcd2KeyValueStore store = Etcd2KeyValueStore.fromConfig(Map.of("hosts", hosts), Duration.ofSeconds(2),
                    Duration.ofSeconds(5));
            assertThat(store.create("/failover/leader", "pg0", true)).isTrue();
            assertThat(store.getPrefix("/failover/")).extracting(KeyValue::value).containsExactly("pg0");
            store.closeSession();
            assertThat(store.getPrefix("/failover/")).isEmpty();
        }
    }

    @Test
    void basicAuthenticationOfTheV2Api() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.startWithV2()) {
            HttpClient http = HttpClient.newHttpClient();
            send(http, etcd.endpoint() + "/v2/auth/users/root", "{\"user\":\"root\",\"password\":\"secret\"}");
            send(http, etcd.endpoint() + "/v2/auth/enable", "");
            // v2 auth lets guests read and write until the guest role is restricted: take its rights away
            send(http, etcd.endpoint() + "/v2/auth/roles/guest", "{\"role\":\"guest\",\"revoke\":{\"kv\":"
                    + "{\"read\":[\"/*\"],\"write\":[\"/*\"]}}}", "root", "secret");
            Etcd2KeyValueStore wrong = Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort(), "username",
                    "root", "password", "nope"), Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertThatThrownBy(() -> wrong.getPrefix("/auth/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("user 'root'");
            Etcd2KeyValueStore anonymous = Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort()),
                    Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertThatThrownBy(() -> anonymous.put("/auth/x", "1", false)).isInstanceOf(DcsException.class)
                    .hasMessageContaining("no etcd.username");
            Etcd2KeyValueStore store = Etcd2KeyValueStore.fromConfig(Map.of("url", "http://root:secret@"
                    + etcd.hostPort()), Duration.ofSeconds(2), Duration.ofSeconds(5));
            assertThat(store.create("/auth/leader", "pg0", false)).isTrue();
            assertThat(store.getPrefix("/auth/")).extracting(KeyValue::value).containsExactly("pg0");
        }
    }

    private static void send(HttpClient http, String url, String json, String... userPassword) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
        if (userPassword.length == 2) {
            b.header("Authorization", "Basic " + java.util.Base64.getEncoder()
                    .encodeToString((userPassword[0] + ":" + userPassword[1]).getBytes()));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isBetween(200, 299);
    }

    @Test
    void sectionKeysAsPatroniReadsThem() {
        assertThat(Etcd2Config.fromMap(Map.of()).endpoints()).extracting(Object::toString)
                .containsExactly("http://127.0.0.1:2379");
        assertThat(Etcd2Config.fromMap(Map.of("hosts", List.of("a:1", "b"), "protocol", "https")).endpoints())
                .extracting(Object::toString).containsExactly("https://a:1", "https://b:2379");
        assertThat(Etcd2Config.fromMap(Map.of("hosts", "a:1, b:2")).endpoints()).extracting(Object::toString)
                .containsExactly("http://a:1", "http://b:2");
        Etcd2Config proxy = Etcd2Config.fromMap(Map.of("proxy", "http://u:p@px:8080", "url", "http://e:1",
                "host", "h:2"));
        assertThat(proxy.endpoints()).extracting(Object::toString).containsExactly("http://px:8080");
        assertThat(proxy.username()).isEqualTo("u");
        assertThat(proxy.password()).isEqualTo("p");
        assertThat(Etcd2Config.fromMap(Map.of("url", "https://e/some/path")).endpoints()).extracting(Object::toString)
                .containsExactly("https://e:2379");
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("hosts", 5))).hasMessageContaining("etcd.hosts");
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("url", "ftp://x:1"))).hasMessageContaining("etcd.url");
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("protocol", "gopher")))
                .hasMessageContaining("etcd.protocol");
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("host", "h:1", "username", "u")))
                .hasMessageContaining("etcd.password");
        Etcd2Config srv = Etcd2Config.fromMap(Map.of("srv", "example.com", "srv_suffix", "blue"));
        assertThat(srv.endpoints()).as("SRV alone: no host fallback").isEmpty();
        assertThat(srv.srvSuffix()).isEqualTo("blue");
        assertThat(Etcd2Config.fromMap(Map.of("srv", "example.com", "proxy", "http://px:1")).srv())
                .as("a proxy is used alone").isNull();
        assertThat(Etcd2Config.fromMap(Map.of("hosts", "a:1")).useProxies()).isFalse();
        assertThat(Etcd2Config.fromMap(Map.of("hosts", "a:1", "use_proxies", "true")).useProxies()).isTrue();
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("cert", "/nonexistent/c.pem")))
                .hasMessageContaining("etcd.cert: cannot read /nonexistent/c.pem");
        assertThatThrownBy(() -> Etcd2Config.fromMap(Map.of("cacert", "/nonexistent/ca.pem")))
                .hasMessageContaining("etcd.cacert");
    }

    @Test
    void keyPathsArePercentEncodedPerSegment() {
        assertThat(Etcd2Http.encodePath("/service/my cluster/members/pg#1")).isEqualTo(
                "/service/my%20cluster/members/pg%231");
        assertThat(Etcd2Http.encodePath("/")).isEqualTo("/");
        assertThat(Etcd2Http.form(Map.of("value", "{\"a\": \"b&c\"}")))
                .isEqualTo("value=%7B%22a%22%3A%20%22b%26c%22%7D");
    }
}
