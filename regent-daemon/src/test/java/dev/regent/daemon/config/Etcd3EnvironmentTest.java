package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.EtcdCluster;
import dev.regent.testkit.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patroni's {@code PATRONI_ETCD3_*} variables configure a node's etcd v3 store, TLS and discovery included: the
 * configuration they build is valid (nothing refused as unsupported) and opens a working store over mutual TLS.
 */
class Etcd3EnvironmentTest {
    @TempDir
    Path dir;

    private static Map<String, String> node() {
        Map<String, String> env = new HashMap<>();
        env.put("PATRONI_NAME", "e1");
        env.put("PATRONI_SCOPE", "s");
        env.put("PATRONI_RESTAPI_LISTEN", "0.0.0.0:8008");
        env.put("PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.1:8008");
        env.put("PATRONI_POSTGRESQL_LISTEN", "0.0.0.0:5432");
        env.put("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.1:5432");
        env.put("PATRONI_POSTGRESQL_DATA_DIR", "/data");
        env.put("PATRONI_SUPERUSER_USERNAME", "postgres");
        env.put("PATRONI_REPLICATION_USERNAME", "repl");
        return env;
    }

    @Test
    void everyEtcd3VariableIsReadAndTypedAsPatroniDoes() {
        Map<String, String> env = node();
        env.put("PATRONI_ETCD3_HOST", "h:2379");
        env.put("PATRONI_ETCD3_HOSTS", "['h1:2379', 'h2:2379']");
        env.put("PATRONI_ETCD3_URL", "https://u:2379");
        env.put("PATRONI_ETCD3_PROXY", "https://p:2379");
        env.put("PATRONI_ETCD3_SRV", "example.com");
        env.put("PATRONI_ETCD3_SRV_SUFFIX", "foo");
        env.put("PATRONI_ETCD3_PROTOCOL", "https");
        env.put("PATRONI_ETCD3_CACERT", "/ca.pem");
        env.put("PATRONI_ETCD3_CERT", "/cert.pem");
        env.put("PATRONI_ETCD3_KEY", "/key.pem");
        env.put("PATRONI_ETCD3_KEY_PASSWORD", "kp");
        env.put("PATRONI_ETCD3_USERNAME", "user");
        env.put("PATRONI_ETCD3_PASSWORD", "pw");
        env.put("PATRONI_ETCD3_USE_PROXIES", "true");
        ConfigLoader.Loaded l = ConfigLoader.load(null, env);
        assertThat(l.problems()).isEmpty();
        assertThat(l.config().dcs().type()).isEqualTo("etcd3");
        assertThat(l.config().dcs().section()).containsEntry("host", "h:2379")
                .containsEntry("hosts", java.util.List.of("h1:2379", "h2:2379")).containsEntry("url", "https://u:2379")
                .containsEntry("proxy", "https://p:2379").containsEntry("srv", "example.com")
                .containsEntry("srv_suffix", "foo").containsEntry("protocol", "https")
                .containsEntry("cacert", "/ca.pem").containsEntry("cert", "/cert.pem").containsEntry("key", "/key.pem")
                .containsEntry("key_password", "kp").containsEntry("username", "user").containsEntry("password", "pw")
                .containsEntry("use_proxies", true);
    }

    @Test
    void aNodeConfiguredByTheEnvironmentTalksMutualTlsToEtcd() throws Exception {
        TestPki pki = TestPki.create(dir);
        try (EtcdCluster etcd = EtcdCluster.start(1, pki)) {
            Map<String, String> env = node();
            env.put("PATRONI_ETCD3_HOSTS", etcd.hostPort(0));
            env.put("PATRONI_ETCD3_PROTOCOL", "https");
            env.put("PATRONI_ETCD3_CACERT", pki.ca().toString());
            env.put("PATRONI_ETCD3_CERT", pki.clientCert().toString());
            env.put("PATRONI_ETCD3_KEY", pki.clientKeyEncrypted().toString());
            env.put("PATRONI_ETCD3_KEY_PASSWORD", TestPki.KEY_PASSWORD);
            // etcd has no authentication enabled: Patroni then goes on without a token, and so does Regent
            env.put("PATRONI_ETCD3_USERNAME", "root");
            env.put("PATRONI_ETCD3_PASSWORD", "unused");
            ConfigLoader.Loaded l = ConfigLoader.load(null, env);
            assertThat(l.problems()).isEmpty();
            KeyValueStore store = DcsStores.open(l.config().dcs(), Duration.ofSeconds(10), Duration.ofSeconds(5));
            try {
                assertThat(store.create("/service/s/leader", "e1", true)).isTrue();
                assertThat(store.getPrefix("/service/s/")).extracting(KeyValue::value).containsExactly("e1");
                store.closeSession();
            } finally {
                store.close();
            }
        }
    }
}
