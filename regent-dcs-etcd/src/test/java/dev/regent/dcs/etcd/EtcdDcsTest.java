package dev.regent.dcs.etcd;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.DcsContract;
import dev.regent.testkit.EtcdProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Patroni DCS contract against a real etcd process. */
class EtcdDcsTest extends DcsContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return EtcdKeyValueStore.fromConfig(Map.of("host", etcd.hostPort()), ttl(), Duration.ofSeconds(5));
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
