package dev.regent.dcs.etcd;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.EtcdCluster;
import dev.regent.testkit.KeyValueStoreContract;
import dev.regent.testkit.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract over mutual TLS: a real etcd with {@code --client-cert-auth}, certificates made by the test. */
class EtcdTlsKeyValueStoreTest extends KeyValueStoreContract {
    @TempDir
    static Path dir;
    private static TestPki pki;
    private static EtcdCluster etcd;

    @BeforeAll
    static void startEtcd() {
        pki = TestPki.create(dir);
        etcd = EtcdCluster.start(1, pki);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return EtcdKeyValueStore.fromConfig(Map.of("url", etcd.clientUrl(0), "cacert", pki.ca().toString(),
                "cert", pki.clientCert().toString(), "key", pki.clientKey().toString()), ttl(), Duration.ofSeconds(5));
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
