package dev.regent.dcs.kubernetes;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.DcsContract;
import dev.regent.testkit.FakeKubernetesApi;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

/** Patroni's layout and write semantics ({@link DcsContract}) on the Kubernetes store, ConfigMaps mode. */
class KubernetesDcsTest extends DcsContract {
    static final FakeKubernetesApi API = new FakeKubernetesApi("t0ken");
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    /** A namespace per test: the contract's tests all use scope batman. */
    private final String namespace = "ns" + NAMESPACES.incrementAndGet();

    static Map<String, Object> section(String namespace, boolean endpoints) {
        return Map.of("namespace", namespace, "labels", Map.of("application", "patroni"), "use_endpoints", endpoints);
    }

    static KubernetesKeyValueStore store(FakeKubernetesApi api, Map<String, Object> section, Duration ttl) {
        return new KubernetesKeyValueStore(KubernetesSettings.fromMap(section),
                new KubeConnection(api.url(), () -> "Bearer t0ken", null, "test"), ttl, Duration.ofSeconds(3),
                Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    static void pods(FakeKubernetesApi api, String namespace, String scope) {
        int i = 1;
        for (String pod : List.of("pg0", "pg1", "pg2", "x", "y", "z")) {
            api.addPod(namespace, pod, Map.of("application", "patroni", "cluster-name", scope), "10.0.0." + i++);
        }
    }

    @BeforeEach
    void createPods() {
        pods(API, namespace, "batman");
    }

    @AfterAll
    static void stopServer() {
        API.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return store(API, section(namespace, false), ttl());
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /** A node first sees a record when it reads it, and counts the ttl from then (Patroni's observed record). */
    @Override
    protected Duration expirySlack() {
        return ttl().plusSeconds(2);
    }

    /** Other nodes see that a key belongs to a node, not the node's local session. */
    @Override
    protected boolean sessionOwnerVisible() {
        return false;
    }
}
