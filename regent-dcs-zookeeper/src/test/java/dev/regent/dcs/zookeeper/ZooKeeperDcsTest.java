package dev.regent.dcs.zookeeper;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.DcsContract;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Patroni DCS contract against a real ZooKeeper server. */
class ZooKeeperDcsTest extends DcsContract {
    private static ZooKeeperTestServer zk;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = ZooKeeperTestServer.start();
        // The JVM's first ZooKeeper call loads and links the client and opens the first session: seconds of CPU
        // when other modules' tests share the cores, more than the 3 s retry_timeout the contract's outage cases
        // use. Pay it here, with Patroni's default retry_timeout, so every case measures a warm client.
        try (KeyValueStore warm = ZooKeeperKeyValueStore.fromConfig(Map.of("hosts", zk.hostPort()),
                Duration.ofSeconds(30), Duration.ofSeconds(10), Ticker.SYSTEM, Sleeper.SYSTEM)) {
            warm.getPrefix("/");
        }
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        if (zk != null) zk.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return ZooKeeperKeyValueStore.fromConfig(Map.of("hosts", zk.hostPort()), ttl(), Duration.ofSeconds(3),
                Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Sleeper.SYSTEM.sleep(d);
    }
}
