package dev.regent.dcs.etcd;

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
 * {@code protocol: https} with {@code cacert}, {@code cert} and {@code key} against a real etcd that requires client
 * certificates ({@code --client-cert-auth}); certificates made by the test with openssl.
 */
class EtcdTlsTest {
    @TempDir
    static Path dir;
    private static TestPki pki;
    private static EtcdCluster etcd;

    @BeforeAll
    static void start() {
        pki = TestPki.create(dir);
        etcd = EtcdCluster.start(1, pki);
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

    private static EtcdKeyValueStore store(Map<String, Object> section, Duration retryTimeout) {
        return EtcdKeyValueStore.fromConfig(section, Duration.ofSeconds(10), retryTimeout);
    }

    @Test
    void mutualTlsWithCaCertAndKey() throws Exception {
        EtcdKeyValueStore s = store(section("cacert", pki.ca().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKey().toString()), Duration.ofSeconds(5));
        assertThat(s.create("/tls/leader", "pg0", true)).isTrue();
        assertThat(s.getPrefix("/tls/")).extracting(KeyValue::value).containsExactly("pg0");
        assertThat(s.endpoints()).extracting(Object::toString).containsExactly(etcd.clientUrl(0));
        s.closeSession();
        assertThat(s.getPrefix("/tls/")).isEmpty();
    }

    @Test
    void keyInTheCertificateFileAndEncryptedKeyWithKeyPassword() throws Exception {
        EtcdKeyValueStore combined = store(section("cacert", pki.ca().toString(),
                "cert", pki.clientCombined().toString()), Duration.ofSeconds(5));
        combined.put("/tls2/config", "{}", false);
        EtcdKeyValueStore encrypted = store(section("cacert", pki.ca().toString(), "cert",
                pki.clientCert().toString(), "key", pki.clientKeyEncrypted().toString(), "key_password",
                TestPki.KEY_PASSWORD), Duration.ofSeconds(5));
        assertThat(encrypted.getPrefix("/tls2/")).extracting(KeyValue::value).containsExactly("{}");
        assertThatThrownBy(() -> store(section("cacert", pki.ca().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKeyEncrypted().toString()), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("etcd3.cacert/cert/key")
                .hasMessageContaining("key_password");
        assertThatThrownBy(() -> store(section("cacert", pki.ca().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKeyEncrypted().toString(), "key_password", "wrong"), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("etcd3.cacert/cert/key");
        assertThatThrownBy(() -> store(section("key", pki.clientKey().toString()), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("etcd3.key needs etcd3.cert");
    }

    @Test
    void wrongCaIsATlsErrorWithinRetryTimeout() {
        EtcdKeyValueStore s = store(section("cacert", pki.otherCa().toString(), "cert", pki.clientCert().toString(),
                "key", pki.clientKey().toString()), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT2S")
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("PKIX path building failed");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void missingClientCertificateIsATlsErrorWithinRetryTimeout() {
        EtcdKeyValueStore s = store(section("cacert", pki.ca().toString()), Duration.ofSeconds(2));
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
        EtcdKeyValueStore s = store(http, Duration.ofSeconds(2));
        assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("an https endpoint? check etcd3.protocol");
    }
}
