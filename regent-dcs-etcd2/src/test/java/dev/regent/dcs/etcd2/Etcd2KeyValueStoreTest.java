package dev.regent.dcs.etcd2;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.EtcdProcess;
import dev.regent.testkit.KeyValueStoreContract;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a real etcd 3.4 serving the v2 API ({@code --enable-v2}). */
class Etcd2KeyValueStoreTest extends KeyValueStoreContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.startWithV2();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return Etcd2KeyValueStore.fromConfig(Map.of("host", etcd.hostPort()), ttl(), Duration.ofSeconds(5));
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected boolean sessionOwnerVisible() {
        return false;
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
