package dev.regent.dcs.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.MemberData;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.PatroniDcs;
import dev.regent.testkit.FakeKubernetesApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What the contract suite cannot see: the Kubernetes objects themselves, conflicts, watches, outages. */
class KubernetesStoreTest {
    private static final FakeKubernetesApi API = new FakeKubernetesApi("t0ken");
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private final String ns = "store" + NAMESPACES.incrementAndGet();

    @AfterAll
    static void stop() {
        API.close();
    }

    private PatroniDcs dcs(String name, boolean endpoints) {
        KubernetesDcsTest.pods(API, ns, "batman");
        Map<String, Object> section = new java.util.HashMap<>(KubernetesDcsTest.section(ns, endpoints));
        section.put("ports", java.util.List.of(Map.of("name", "postgresql", "port", 5432)));
        section.put("tmp_role_label", "spilo-role");
        return new PatroniDcs(KubernetesDcsTest.store(API, section, Duration.ofSeconds(30)), "/service", "batman",
                name);
    }

    private static MemberData member(String role, String state) {
        return new MemberData("postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni", null, state,
                role, "4.0.4", 100L, null, null, null, 1, Map.of(), null, null, null, null, false, null);
    }

    @Test
    void configMapsCarryPatronisAnnotationsAndLabels() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        assertThat(a.initialize(true, "")).isTrue();
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(a.updateLeader(4242, Map.of("pg1", 7L))).isTrue();
        a.setHistoryValue(new dev.regent.core.model.TimelineHistory(0, java.util.List.of()));
        ObjectNode leader = API.get(ns, "configmaps", "batman-leader");
        assertThat(leader.path("metadata").path("labels").path("application").asText()).isEqualTo("patroni");
        assertThat(leader.path("metadata").path("labels").path("cluster-name").asText()).isEqualTo("batman");
        ObjectNode ann = (ObjectNode) leader.path("metadata").path("annotations");
        assertThat(ann.path("leader").asText()).isEqualTo("pg0");
        assertThat(ann.path("ttl").asText()).isEqualTo("30");
        assertThat(ann.path("transitions").asText()).isEqualTo("0");
        assertThat(ann.path("optime").asText()).isEqualTo("4242");
        assertThat(ann.path("slots").asText()).isEqualTo("{\"pg1\":7}");
        assertThat(ann.path("acquireTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*\\+00:00");
        ObjectNode config = API.get(ns, "configmaps", "batman-config");
        assertThat(config.path("metadata").path("annotations").path("initialize").asText()).isEmpty();
        assertThat(config.path("metadata").path("annotations").path("history").asText()).isEqualTo("[]");
        assertThat(API.get(ns, "endpoints", "batman")).isNull();
    }

    @Test
    void memberIsThePodsStatusAnnotationAndTheRoleLabelFollowsTheLock() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        PatroniDcs b = dcs("pg1", false);
        b.load();
        b.touchMember(member("replica", "running"));
        ObjectNode pod1 = API.get(ns, "pods", "pg1");
        assertThat(pod1.path("metadata").path("labels").path("role").asText()).isEqualTo("replica");
        assertThat(pod1.path("metadata").path("labels").path("spilo-role").asText()).isEqualTo("replica");
        assertThat(pod1.path("metadata").path("annotations").path("status").asText())
                .startsWith("{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\"");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        a.load();
        a.touchMember(member("primary", "running"));
        ObjectNode pod0 = API.get(ns, "pods", "pg0");
        assertThat(pod0.path("metadata").path("labels").path("role").asText()).isEqualTo("primary");
        assertThat(pod0.path("metadata").path("labels").path("spilo-role").asText()).isEqualTo("primary");
        assertThat(b.load().member("pg0")).isPresent();
        b.touchMember(member("replica", "stopped"));
        assertThat(API.get(ns, "pods", "pg1").path("metadata").path("labels").has("role"))
                .as("a stopped replica has no role label").isFalse();
        assertThatThrownBy(() -> dcs("nopod", false).touchMember(member("replica", "running")))
                .isInstanceOf(DcsException.class).hasMessageContaining("Pod " + ns + "/nopod does not exist");
    }

    @Test
    void endpointsModePutsTheLeaderAddressInTheSubsetsAndEmptiesThemOnRelease() throws Exception {
        PatroniDcs a = dcs("pg1", true);
        assertThat(a.initialize(true, "")).isTrue();
        assertThat(a.attemptToAcquireLeader()).isTrue();
        ObjectNode leader = API.get(ns, "endpoints", "batman");
        assertThat(leader.path("metadata").path("annotations").path("leader").asText()).isEqualTo("pg1");
        assertThat(leader.path("subsets").get(0).path("addresses").get(0).path("ip").asText()).isEqualTo("10.0.0.2");
        assertThat(leader.path("subsets").get(0).path("ports").get(0).path("name").asText()).isEqualTo("postgresql");
        assertThat(API.get(ns, "endpoints", "batman-config")).isNotNull();
        assertThat(API.get(ns, "services", "batman-config").path("spec").path("clusterIP").asText())
                .isEqualTo("None");
        assertThat(API.get(ns, "configmaps", "batman-leader")).isNull();
        assertThat(a.deleteLeader(100)).isTrue();
        leader = API.get(ns, "endpoints", "batman");
        assertThat(leader.path("subsets")).isEmpty();
        assertThat(leader.path("metadata").path("annotations").has("leader")).isFalse();
        assertThat(leader.path("metadata").path("annotations").path("optime").asText()).isEqualTo("100");
    }

    @Test
    void aConflictingWriteLosesWithoutRetry() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        assertThat(a.setConfigValue("{\"ttl\":30}", null)).isTrue();
        long version = a.load().config().version();
        int before = API.requests();
        // somebody else patches the object: the version we read is stale now
        patch(ns, "configmaps", "batman-config", "{\"metadata\":{\"annotations\":{\"x\":\"y\"}}}");
        assertThat(a.setConfigValue("{\"ttl\":40}", version)).as("409").isFalse();
        assertThat(API.requests() - before).as("the patch by the other writer and one refused PATCH").isEqualTo(2);
        assertThat(a.load().config().ttl()).isEqualTo(30);
        // a renewal whose resourceVersion went stale re-reads and renews only when the lock is still ours
        assertThat(a.attemptToAcquireLeader()).isTrue();
        patch(ns, "configmaps", "batman-leader", "{\"metadata\":{\"annotations\":{\"leader\":\"pg9\"}}}");
        assertThat(a.updateLeader(1, Map.of())).isFalse();
        assertThat(API.get(ns, "configmaps", "batman-leader").path("metadata").path("annotations").path("leader")
                .asText()).isEqualTo("pg9");
    }

    @Test
    void theWatchWakesAReplicaWhenTheLeaderObjectChangesAndRestartsAfter410() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        PatroniDcs b = dcs("pg1", false);
        assertThat(a.attemptToAcquireLeader()).isTrue();
        b.load();
        assertThat(b.watch(Duration.ofMillis(500))).as("no change: times out").isFalse();
        CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> watch(b));
        Thread.sleep(300);
        assertThat(a.deleteLeader(0)).isTrue();
        assertThat(woke.get(5, TimeUnit.SECONDS)).isTrue();

        b.load();
        KubernetesKeyValueStore store = (KubernetesKeyValueStore) b.store();
        API.compact();
        API.closeWatches();  // the watch reconnects from a resourceVersion that is too old now: 410, list again
        assertThat(a.attemptToAcquireLeader()).isTrue();
        assertThat(b.watch(Duration.ofSeconds(5))).as("woken after the 410 restart").isTrue();
        assertThat(store.watcherRestarts()).as("fresh lists after 410").isGreaterThanOrEqualTo(1);
        b.load();
        CompletableFuture<Boolean> again = CompletableFuture.supplyAsync(() -> watch(b));
        Thread.sleep(300);
        assertThat(a.deleteLeader(0)).isTrue();
        assertThat(again.get(5, TimeUnit.SECONDS)).as("the restarted watch keeps waking").isTrue();
    }

    @Test
    void theLeaderIsNotWokenByItsOwnRenewals() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        assertThat(a.attemptToAcquireLeader()).isTrue();
        a.load();
        CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> watch(a));
        Thread.sleep(300);
        assertThat(a.updateLeader(10, Map.of())).isTrue();
        assertThat(a.updateLeader(10, Map.of())).isTrue();
        assertThat(woke.get(5, TimeUnit.SECONDS)).as("status changed once: that wakes").isTrue();
        a.load();
        CompletableFuture<Boolean> quiet = CompletableFuture.supplyAsync(() -> watch(a));
        Thread.sleep(300);
        assertThat(a.updateLeader(10, Map.of())).isTrue();
        assertThat(quiet.get(5, TimeUnit.SECONDS)).as("a bare renewal does not").isFalse();
    }

    @Test
    void anApiServerOutageIsAClearErrorWithinTheRetryTimeoutAndTheStoreRecovers() throws Exception {
        FakeKubernetesApi own = new FakeKubernetesApi("t0ken");
        try {
            own.addPod(ns, "pg0", Map.of("application", "patroni", "cluster-name", "batman"), "10.0.0.1");
            PatroniDcs a = new PatroniDcs(KubernetesDcsTest.store(own, KubernetesDcsTest.section(ns, false),
                    Duration.ofSeconds(30)), "/service", "batman", "pg0");
            assertThat(a.attemptToAcquireLeader()).isTrue();
            own.stop();
            long t0 = System.nanoTime();
            assertThatThrownBy(a::load).isInstanceOf(DcsException.class)
                    .hasMessageContaining("Kubernetes API server " + own.url())
                    .hasMessageContaining("not reachable within retry_timeout 3 s");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
            own.restart();
            assertThat(a.load().leader().name()).isEqualTo("pg0");
        } finally {
            own.close();
        }
    }

    @Test
    void retriableAnswersAreRetriedWithinTheRetryTimeoutOthersAreNot() throws Exception {
        PatroniDcs a = dcs("pg0", false);
        a.load();
        API.failNext(503, 2);
        assertThat(a.load().members()).as("two 503s, then an answer").isNotNull();
        API.failNext(403, 1);
        assertThatThrownBy(a::load).isInstanceOf(DcsException.class).hasMessageContaining("answered 403")
                .hasMessageContaining("injected failure 403");
        KubernetesSettings extra = KubernetesSettings.fromMap(Map.of("namespace", ns, "labels",
                Map.of("application", "patroni"), "retriable_http_codes", java.util.List.of(403)));
        KubernetesKeyValueStore s = new KubernetesKeyValueStore(extra, new KubeConnection(API.url(),
                () -> "Bearer t0ken", null, "t"), Duration.ofSeconds(30), Duration.ofSeconds(3),
                dev.regent.time.Ticker.SYSTEM, dev.regent.time.Sleeper.SYSTEM);
        API.failNext(403, 1);
        assertThat(s.getPrefix("/service/batman/")).as("403 retried when listed in retriable_http_codes").isNotNull();
    }

    @Test
    void standbyLeaderAndBootstrapLabels() throws Exception {
        KubernetesDcsTest.pods(API, ns, "batman");
        Map<String, Object> section = new java.util.HashMap<>(KubernetesDcsTest.section(ns, false));
        section.put("standby_leader_label_value", "standby-leader");
        section.put("bootstrap_labels", Map.of("initializing", "yes"));
        PatroniDcs a = new PatroniDcs(KubernetesDcsTest.store(API, section, Duration.ofSeconds(30)), "/service",
                "batman", "pg0");
        a.touchMember(member("replica", "creating replica"));
        assertThat(API.get(ns, "pods", "pg0").path("metadata").path("labels").path("initializing").asText())
                .isEqualTo("yes");
        assertThat(a.attemptToAcquireLeader()).isTrue();
        a.load();
        a.touchMember(member("standby_leader", "running"));
        ObjectNode labels = (ObjectNode) API.get(ns, "pods", "pg0").path("metadata").path("labels");
        assertThat(labels.path("role").asText()).isEqualTo("standby-leader");
        assertThat(labels.has("initializing")).as("bootstrap labels go once it runs").isFalse();
    }

    @Test
    void aWrongTokenIsReportedWithTheServersAnswer() {
        KubernetesKeyValueStore s = new KubernetesKeyValueStore(KubernetesSettings.fromMap(
                KubernetesDcsTest.section(ns, false)), new KubeConnection(API.url(), () -> "Bearer wrong", null, "t"),
                Duration.ofSeconds(30), Duration.ofSeconds(3), dev.regent.time.Ticker.SYSTEM,
                dev.regent.time.Sleeper.SYSTEM);
        assertThatThrownBy(() -> s.getPrefix("/service/batman/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("answered 401");
    }

    private static boolean watch(PatroniDcs d) {
        try {
            return d.watch(Duration.ofSeconds(3));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void patch(String ns, String kind, String name, String body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(API.url() + "/api/v1/namespaces/" + ns + "/" + kind + "/" + name))
                .header("Authorization", "Bearer t0ken").header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
