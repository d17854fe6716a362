package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.EtcdCluster;
import dev.regent.testkit.TestPki;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * regentctl configured only by Patroni's {@code PATRONI_ETCD3_*} variables reads a cluster from an etcd that requires
 * client certificates, as patronictl does; without the client certificate it fails naming the TLS problem.
 */
class Etcd3EnvironmentCtlTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private Run ctl(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RegentCtl.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void listOverMutualTlsFromTheEnvironment() throws Exception {
        TestPki pki = TestPki.create(dir);
        try (EtcdCluster etcd = EtcdCluster.start(1, pki)) {
            KeyValueStore seed = DcsStores.open("etcd3", Map.of("url", etcd.clientUrl(0), "cacert",
                    pki.ca().toString(), "cert", pki.clientCert().toString(), "key", pki.clientKey().toString()),
                    Duration.ofSeconds(30), Duration.ofSeconds(5));
            seed.put("/service/batman/initialize", "7000000000000000001", false);
            seed.put("/service/batman/leader", "m1", false);
            seed.put("/service/batman/members/m1", "{\"conn_url\": \"postgres://127.0.0.1:5432/postgres\", "
                    + "\"api_url\": \"http://127.0.0.1:1/patroni\", \"version\": \"4.1.4\", \"role\": \"primary\", "
                    + "\"state\": \"running\", \"xlog_location\": 67108864, \"timeline\": 2}", false);
            Map<String, String> env = new HashMap<>();
            env.put("HOME", dir.toString());
            env.put("PATRONI_SCOPE", "batman");
            env.put("PATRONI_ETCD3_URL", etcd.clientUrl(0));
            env.put("PATRONI_ETCD3_CACERT", pki.ca().toString());
            env.put("PATRONI_ETCD3_CERT", pki.clientCert().toString());
            env.put("PATRONI_ETCD3_KEY", pki.clientKey().toString());
            env.put("PATRONI_ETCD3_USE_PROXIES", "true");
            Run list = ctl(env, "list");
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out()).contains("batman").contains("m1").contains("Leader");

            env.remove("PATRONI_ETCD3_CERT");
            env.remove("PATRONI_ETCD3_KEY");
            Run refused = ctl(env, "list");
            assertThat(refused.code()).isNotZero();
            assertThat(refused.err()).contains("TLS handshake failed");
        }
    }
}
