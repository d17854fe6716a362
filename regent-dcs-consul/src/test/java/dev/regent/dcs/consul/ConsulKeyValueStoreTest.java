package dev.regent.dcs.consul;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.KeyValueStoreContract;
import dev.regent.testkit.consul.ConsulTestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract against the Consul store on the in-project Consul test server, whose session_ttl_min is lowered to
 * 1 s (an agent setting) so that the TTL tests take seconds: session TTL = ttl / 2 = 1 s, invalidated 2 s after the
 * last renewal, as an agent does.
 */
class ConsulKeyValueStoreTest extends KeyValueStoreContract {
    private static ConsulTestServer consul;

    @BeforeAll
    static void startConsul() {
        consul = ConsulTestServer.start(Duration.ofSeconds(1));
    }

    @AfterAll
    static void stopConsul() {
        if (consul != null) consul.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return ConsulKeyValueStore.fromConfig(Map.of("host", consul.hostPort()), ttl(), Duration.ofSeconds(5));
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
