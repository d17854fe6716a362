package dev.regent.dcs.etcd2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.EtcdCluster;
import dev.regent.testkit.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protocol: https} with {@code cacert}, {@code cert} and {@code key} against a real etcd 3.4 serving the v2
 * API over mutual TLS ({@code --client-cert-auth}), with the test kit's certificates: a wrong CA, a missing client
 * certificate and plain http on the TLS port are clear errors within retry_timeout, not hangs.
 */
class Etcd2HttpsTest {
    @TempDir
    static Path dir;
    private static TestPki pki;
    private static EtcdCluster etcd;

    @BeforeAll
    static void start() {
        pki = TestPki.create(dir);
        etcd = EtcdCluster.startWithV2(1, pki);
    }

    @AfterAll
    static void stop() {
        if (etcd != null) etcd.close();
    }

    private static Map<String, Object> section(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        m.put("host", etcd.hostPort(0));
        m.put("protocol", "https");
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static Etcd2KeyValueStore store(Map<String, Object> section, Duration retryTimeout) {
        return Etcd2KeyValueStore.fromConfig(section, Duration.ofSeconds(10), retryTimeout);
    }

    @Test
    void mutualTlsWithCaCertAndKey() throws Exception {
        Etcd2KeyValueStore s = store(section("cacert", pki.ca().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKey().toString()), Duration.ofSeconds(5));
        assertThat(s.create("/tls/leader", "pg0", true)).isTrue();
        assertThat(s.getPrefix("/tls/")).extracting(KeyValue::value).containsExactly("pg0");
        s.closeSession();
        assertThat(s.getPrefix("/tls/")).isEmpty();
        Etcd2KeyValueStore combined = store(section("cacert", pki.ca().toString(), "cert",
                pki.clientCombined().toString()), Duration.ofSeconds(5));
        combined.put("/tls/config", "{}", false);
        assertThat(combined.getPrefix("/tls/")).extracting(KeyValue::value).containsExactly("{}");
        assertThatThrownBy(() -> store(section("key", pki.clientKey().toString()), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("etcd.key needs etcd.cert");
    }

    @Test
    void wrongCaIsATlsErrorWithinRetryTimeout() {
        Etcd2KeyValueStore s = store(section("cacert", pki.otherCa().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKey().toString()), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT2S")
                .hasMessageContaining("TLS handshake failed").hasMessageContaining("PKIX path building failed");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void missingClientCertificateIsATlsErrorWithinRetryTimeout() {
        Etcd2KeyValueStore s = store(section("cacert", pki.ca().toString()), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT2S")
                .hasMessageContaining("TLS handshake failed");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void plainHttpAgainstTheTlsPortIsRefusedClearly() {
        Map<String, Object> http = section();
        http.put("protocol", "http");
        Etcd2KeyValueStore s = store(http, Duration.ofSeconds(2));
        assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("an https endpoint? check etcd.protocol");
    }
}
