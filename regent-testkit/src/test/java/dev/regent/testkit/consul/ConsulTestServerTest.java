package dev.regent.testkit.consul;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Consul test server answers as Consul's HTTP API documents it (KV, sessions, blocking queries, agent). */
class ConsulTestServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private ConsulTestServer consul;

    @AfterEach
    void stop() {
        if (consul != null) consul.close();
    }

    private record Answer(int status, String body, long index) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, null);
    }

    private Answer call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(consul.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Consul-Token", token);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r.headers().firstValueAsLong("X-Consul-Index").orElse(-1));
    }

    private String session(String body) throws Exception {
        Answer a = call("PUT", "/v1/session/create", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().get("ID").asText();
    }

    @Test
    void kvPutGetCasAndIndexes() throws Exception {
        consul = ConsulTestServer.start();
        assertThat(call("PUT", "/v1/kv/service/b/config", "{\"ttl\":30}").body()).isEqualTo("true");
        Answer get = call("GET", "/v1/kv/service/b/config", null);
        JsonNode e = get.json().get(0);
        assertThat(e.get("Key").asText()).isEqualTo("service/b/config");
        assertThat(new String(Base64.getDecoder().decode(e.get("Value").asText()), StandardCharsets.UTF_8))
                .isEqualTo("{\"ttl\":30}");
        long modify = e.get("ModifyIndex").asLong();
        assertThat(get.index()).as("a present key reports its ModifyIndex").isEqualTo(modify);
        assertThat(e.has("Session")).isFalse();
        assertThat(call("PUT", "/v1/kv/service/b/config?cas=0", "x").body()).as("cas=0: exists").isEqualTo("false");
        assertThat(call("PUT", "/v1/kv/service/b/config?cas=" + (modify - 1), "x").body()).isEqualTo("false");
        assertThat(call("PUT", "/v1/kv/service/b/config?cas=" + modify, "y").body()).isEqualTo("true");
        assertThat(call("PUT", "/v1/kv/service/b/initialize?cas=0", "").body()).isEqualTo("true");
        JsonNode all = call("GET", "/v1/kv/service/b/?recurse", null).json();
        assertThat(all).hasSize(2);
        assertThat(all.get(1).get("Value").isNull()).as("empty value is null").isTrue();
        assertThat(call("GET", "/v1/kv/service/b/?keys", null).body())
                .isEqualTo("[\"service/b/config\",\"service/b/initialize\"]");
        Answer missing = call("GET", "/v1/kv/service/b/nothing", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.index()).isPositive();
        long cfg = call("GET", "/v1/kv/service/b/config", null).json().get(0).get("ModifyIndex").asLong();
        assertThat(call("DELETE", "/v1/kv/service/b/config?cas=" + (cfg - 1), null).body()).isEqualTo("false");
        assertThat(call("DELETE", "/v1/kv/service/b/config?cas=" + cfg, null).body()).isEqualTo("true");
        Answer afterDelete = call("GET", "/v1/kv/service/b/?recurse", null);
        assertThat(afterDelete.index()).as("the tombstone raises the prefix index").isGreaterThan(cfg);
        assertThat(call("DELETE", "/v1/kv/service/b/?recurse", null).body()).isEqualTo("true");
        assertThat(call("GET", "/v1/kv/service/b/?recurse", null).status()).isEqualTo(404);
    }

    @Test
    void acquireReleaseAndInvalidSession() throws Exception {
        consul = ConsulTestServer.start();
        String s1 = session("{\"Name\":\"b-pg0\",\"TTL\":\"15s\",\"Behavior\":\"delete\",\"LockDelay\":\"0.001s\","
                + "\"Checks\":[]}");
        String s2 = session("{\"LockDelay\":\"0s\"}");
        Answer bad = call("PUT", "/v1/kv/service/b/leader?acquire=nonsense", "pg9");
        assertThat(bad.status()).isEqualTo(500);
        assertThat(bad.body()).startsWith("invalid session");
        assertThat(call("PUT", "/v1/kv/service/b/leader?acquire=" + s1, "pg0").body()).isEqualTo("true");
        assertThat(call("PUT", "/v1/kv/service/b/leader?acquire=" + s2, "pg1").body()).isEqualTo("false");
        assertThat(call("PUT", "/v1/kv/service/b/leader?acquire=" + s1 + "&cas=1", "pg0").body())
                .as("acquire wins over cas").isEqualTo("true");
        JsonNode e = call("GET", "/v1/kv/service/b/leader", null).json().get(0);
        assertThat(e.get("Session").asText()).isEqualTo(s1);
        assertThat(e.get("LockIndex").asLong()).isEqualTo(1);
        assertThat(call("PUT", "/v1/kv/service/b/leader?release=" + s2, "x").body()).isEqualTo("false");
        assertThat(call("PUT", "/v1/kv/service/b/leader?release=" + s1, "pg0").body()).isEqualTo("true");
        assertThat(call("PUT", "/v1/kv/service/b/leader?acquire=" + s2, "pg1").body()).isEqualTo("true");
        e = call("GET", "/v1/kv/service/b/leader", null).json().get(0);
        assertThat(e.get("LockIndex").asLong()).isEqualTo(2);
        JsonNode info = call("GET", "/v1/session/info/" + s1, null).json().get(0);
        assertThat(info.get("Name").asText()).isEqualTo("b-pg0");
        assertThat(info.get("Behavior").asText()).isEqualTo("delete");
        assertThat(info.get("TTL").asText()).isEqualTo("15s");
        assertThat(info.get("LockDelay").asLong()).isEqualTo(1_000_000);
        assertThat(call("GET", "/v1/session/info/" + s2, null).json().get(0).get("LockDelay").asLong()).isZero();
        assertThat(call("PUT", "/v1/session/renew/nonsense", null).status()).isEqualTo(404);
        assertThat(call("PUT", "/v1/session/renew/" + s1, null).status()).isEqualTo(200);
    }

    @Test
    void sessionTtlOutsideLimitsIsRefusedAsConsulDoes() throws Exception {
        consul = ConsulTestServer.start();
        Answer a = call("PUT", "/v1/session/create", "{\"TTL\":\"5.0s\"}");
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body()).startsWith("Invalid Session TTL").contains("[10s=24h0m0s]");
        assertThat(call("PUT", "/v1/session/create", "{\"TTL\":\"10.0s\"}").status()).isEqualTo(200);
        JsonNode self = call("GET", "/v1/agent/self", null).json();
        assertThat(self.at("/DebugConfig/SessionTTLMin").asText()).isEqualTo("10s");
    }

    @Test
    void ttlInvalidatesBetweenTtlAndTwiceTtlWithBehaviorDeleteOrRelease() throws Exception {
        consul = ConsulTestServer.start(Duration.ofSeconds(1)).ttlMultiplier(1.0, 2.0);
        // The TTL runs from the session's creation: the lower bound is measured from before it, the upper bound from
        // after the keys are acquired (on a loaded machine these calls take a noticeable part of the TTL).
        long created = System.nanoTime();
        String del = session("{\"TTL\":\"1s\",\"Behavior\":\"delete\",\"LockDelay\":\"0s\"}");
        String rel = session("{\"TTL\":\"1s\",\"LockDelay\":\"0s\"}");
        call("PUT", "/v1/kv/k/del?acquire=" + del, "a");
        call("PUT", "/v1/kv/k/rel?acquire=" + rel, "b");
        long t0 = System.nanoTime();
        Thread.sleep(Math.max(0, 800 - (t0 - created) / 1_000_000));
        if (System.nanoTime() - created < 900_000_000L) {
            assertThat(consul.value("k/del")).as("not before the TTL").isEqualTo("a");
        }
        while (consul.value("k/del") != null && System.nanoTime() - t0 < 3_000_000_000L) Thread.sleep(20);
        long now = System.nanoTime();
        assertThat(consul.value("k/del")).as("behavior delete").isNull();
        assertThat((now - created) / 1_000_000).as("not invalidated before the TTL (ms)").isGreaterThanOrEqualTo(1000L);
        assertThat((now - t0) / 1_000_000).as("invalidated within 2 x TTL (ms)").isLessThanOrEqualTo(2300L);
        while (consul.sessionOf("k/rel") != null && System.nanoTime() - t0 < 3_000_000_000L) Thread.sleep(20);
        assertThat(consul.value("k/rel")).as("behavior release keeps the key").isEqualTo("b");
        assertThat(consul.sessionOf("k/rel")).isNull();
        assertThat(consul.sessionIds()).isEmpty();
    }

    @Test
    void renewalKeepsTheSessionAndDefaultMultiplierIsTwice() throws Exception {
        consul = ConsulTestServer.start(Duration.ofSeconds(1));
        String s = session("{\"TTL\":\"1s\",\"Behavior\":\"delete\"}");
        call("PUT", "/v1/kv/k/x?acquire=" + s, "a");
        for (int i = 0; i < 4; i++) {
            Thread.sleep(700);
            assertThat(call("PUT", "/v1/session/renew/" + s, null).status()).isEqualTo(200);
        }
        Thread.sleep(1500);
        assertThat(consul.value("k/x")).as("2 x TTL not yet over").isEqualTo("a");
        Thread.sleep(1000);
        assertThat(consul.value("k/x")).isNull();
    }

    @Test
    void lockDelayRefusesAcquireAfterInvalidation() throws Exception {
        consul = ConsulTestServer.start();
        String s1 = session("{\"LockDelay\":\"1s\"}");
        String s2 = session("{}");
        assertThat(call("PUT", "/v1/kv/k/lock?acquire=" + s1, "a").body()).isEqualTo("true");
        call("PUT", "/v1/session/destroy/" + s1, null);
        assertThat(consul.sessionOf("k/lock")).as("released").isNull();
        assertThat(call("PUT", "/v1/kv/k/lock?acquire=" + s2, "b").body()).as("lock-delay").isEqualTo("false");
        Thread.sleep(1100);
        assertThat(call("PUT", "/v1/kv/k/lock?acquire=" + s2, "b").body()).isEqualTo("true");
        String s3 = session("{\"LockDelay\":\"1s\"}");
        assertThat(call("PUT", "/v1/kv/k/other?acquire=" + s3, "c").body()).isEqualTo("true");
        assertThat(call("PUT", "/v1/kv/k/other?release=" + s3, "c").body()).isEqualTo("true");
        assertThat(call("PUT", "/v1/kv/k/other?acquire=" + s2, "d").body()).as("a release starts no lock-delay")
                .isEqualTo("true");
    }

    @Test
    void blockingQueryWaitsForAChangeOrTheWait() throws Exception {
        consul = ConsulTestServer.start();
        call("PUT", "/v1/kv/b/leader", "pg0");
        long index = call("GET", "/v1/kv/b/leader", null).index();
        long t0 = System.nanoTime();
        Answer timedOut = call("GET", "/v1/kv/b/leader?index=" + index + "&wait=1s", null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(timedOut.index()).isEqualTo(index);
        assertThat(ms).as("wait plus at most wait/16").isBetween(950L, 1200L);
        CompletableFuture<Answer> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return call("GET", "/v1/kv/b/?recurse&index=" + index + "&wait=30s", null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        call("PUT", "/v1/kv/elsewhere", "x");
        Thread.sleep(300);
        assertThat(waiting).as("a write outside the prefix does not answer").isNotDone();
        call("DELETE", "/v1/kv/b/leader", null);
        Answer woke = waiting.get(5, TimeUnit.SECONDS);
        assertThat(woke.status()).isEqualTo(404);
        assertThat(woke.index()).isGreaterThan(index);
    }

    @Test
    void serviceRegistrationRunsItsHttpCheck() throws Exception {
        consul = ConsulTestServer.start();
        AtomicInteger status = new AtomicInteger(200);
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        api.createContext("/", ex -> {
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/primary") ? status.get() : 503, -1);
            ex.close();
        });
        api.start();
        try {
            String body = "{\"name\":\"batman\",\"id\":\"batman/pg0\",\"address\":\"127.0.0.1\",\"port\":5432,"
                    + "\"tags\":[\"primary\",\"master\"],\"enabletagoverride\":true,\"check\":{\"http\":"
                    + "\"http://127.0.0.1:" + api.getAddress().getPort() + "/primary\",\"interval\":\"100ms\","
                    + "\"DeregisterCriticalServiceAfter\":\"150.0s\"}}";
            assertThat(call("PUT", "/v1/agent/service/register", body).status()).isEqualTo(200);
            JsonNode services = call("GET", "/v1/agent/services", null).json();
            assertThat(services.at("/batman~1pg0/Tags").toString()).isEqualTo("[\"primary\",\"master\"]");
            assertThat(services.at("/batman~1pg0/Port").asInt()).isEqualTo(5432);
            waitForCheck("service:batman/pg0", "passing");
            assertThat(call("GET", "/v1/health/service/batman?passing", null).json()).hasSize(1);
            status.set(503);
            waitForCheck("service:batman/pg0", "critical");
            assertThat(call("GET", "/v1/health/service/batman?passing", null).json()).isEmpty();
            assertThat(call("PUT", "/v1/agent/service/deregister/batman/pg0", null).status()).isEqualTo(200);
            assertThat(call("GET", "/v1/agent/services", null).json().size()).isZero();
            assertThat(call("PUT", "/v1/agent/service/deregister/batman/pg0", null).status()).isEqualTo(404);
        } finally {
            api.stop(0);
        }
    }

    private void waitForCheck(String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!status.equals(consul.checkStatus(id)) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(consul.checkStatus(id)).isEqualTo(status);
    }

    @Test
    void sessionChecksInvalidateTheSessionWhenCritical() throws Exception {
        consul = ConsulTestServer.start();
        Answer missing = call("PUT", "/v1/session/create", "{\"Checks\":[\"pg-alive\"]}");
        assertThat(missing.status()).isEqualTo(500);
        assertThat(missing.body()).isEqualTo("Missing check 'pg-alive' registration");
        call("PUT", "/v1/agent/check/register", "{\"Name\":\"pg-alive\",\"TTL\":\"30s\",\"Status\":\"passing\"}");
        String s = session("{\"Checks\":[\"pg-alive\"],\"Behavior\":\"delete\"}");
        call("PUT", "/v1/kv/k/m?acquire=" + s, "x");
        call("PUT", "/v1/agent/check/fail/pg-alive", null);
        assertThat(consul.sessionIds()).doesNotContain(s);
        assertThat(consul.value("k/m")).isNull();
    }

    @Test
    void tokenDatacenterAndOutage() throws Exception {
        consul = ConsulTestServer.start().requireToken("t0ken");
        assertThat(call("GET", "/v1/kv/x", null).status()).isEqualTo(403);
        assertThat(call("GET", "/v1/kv/x", null, "wrong").body()).isEqualTo("ACL not found");
        assertThat(call("GET", "/v1/kv/x", null, "t0ken").status()).isEqualTo(404);
        assertThat(call("GET", "/v1/kv/x?token=t0ken", null).status()).isEqualTo(404);
        assertThat(call("GET", "/v1/kv/x?dc=elsewhere", null, "t0ken").body()).isEqualTo("No path to datacenter");
        assertThat(call("GET", "/v1/status/leader", null, "t0ken").body()).isEqualTo("\"127.0.0.1:8300\"");
        call("PUT", "/v1/kv/x", "1", "t0ken");
        consul.stop();
        try {
            call("GET", "/v1/kv/x", null, "t0ken");
            throw new AssertionError("answered while stopped");
        } catch (IOException expected) {
            // connection refused
        }
        consul.restart();
        assertThat(consul.value("x")).as("state survives an agent outage").isEqualTo("1");
    }

    @Test
    void goDurations() {
        assertThat(GoDuration.parse("0.001s")).isEqualTo(Duration.ofMillis(1));
        assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GoDuration.parse("10.0s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(GoDuration.format(Duration.ofHours(24))).isEqualTo("24h0m0s");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GoDuration.parse("10"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
