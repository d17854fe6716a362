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
    static void startZooKeeper() {
        zk = ZooKeeperTestServer.start();
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
