package dev.regent.daemon.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.testkit.TestPki;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key formats Python's ssl module reads, written by openssl, read by {@link Pem}; and the cipher list mapping. */
class PemAndCiphersTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void keys() {
        pki = TestPki.create(dir);
        pki.openssl("genrsa", "-traditional", "-out", "rsa-pkcs1.key", "2048");
        pki.openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa-pkcs1.key", "-out", "rsa-pkcs8.key");
        pki.openssl("pkcs8", "-topk8", "-in", "rsa-pkcs1.key", "-out", "rsa-aes.key", "-passout", "pass:pw");
        pki.openssl("pkcs8", "-topk8", "-v2", "des3", "-in", "rsa-pkcs1.key", "-out", "rsa-des3.key",
                "-passout", "pass:pw");
        pki.openssl("ec", "-in", "server.key", "-out", "ec-sec1.key");
        pki.openssl("rsa", "-traditional", "-aes256", "-in", "rsa-pkcs1.key", "-out", "rsa-legacy-enc.key",
                "-passout", "pass:pw");
    }

    private static PrivateKey key(String file, String password) throws IOException {
        return Pem.privateKey(dir.resolve(file), password);
    }

    @Test
    void readsEveryUsualKeyFormat() throws IOException {
        RSAPrivateKey pkcs1 = (RSAPrivateKey) key("rsa-pkcs1.key", null);
        assertThat(pkcs1.getModulus().bitLength()).isEqualTo(2048);
        assertThat(key("rsa-pkcs8.key", null).getEncoded()).isEqualTo(pkcs1.getEncoded());
        assertThat(key("rsa-aes.key", "pw").getEncoded()).isEqualTo(pkcs1.getEncoded());
        assertThat(key("rsa-des3.key", "pw").getEncoded()).isEqualTo(pkcs1.getEncoded());
        ECPrivateKey sec1 = (ECPrivateKey) key("ec-sec1.key", null);
        assertThat(sec1.getS()).isEqualTo(((ECPrivateKey) Pem.privateKey(pki.serverKey(), null)).getS());
        // the key in the certificate file (Patroni: keyfile unset)
        assertThat(Pem.privateKey(pki.clientCombined(), null).getEncoded())
                .isEqualTo(Pem.privateKey(pki.clientKey(), null).getEncoded());
        assertThat(Pem.certificates(pki.clientCombined())).hasSize(1);
    }

    @Test
    void unusableKeysAreClearErrorsNamingTheFile() {
        assertThatThrownBy(() -> key("rsa-aes.key", null)).hasMessageContaining("rsa-aes.key")
                .hasMessageContaining("no keyfile_password");
        assertThatThrownBy(() -> key("rsa-aes.key", "nope")).hasMessageContaining("wrong keyfile_password");
        assertThatThrownBy(() -> key("rsa-legacy-enc.key", "pw")).hasMessageContaining("openssl pkcs8 -topk8");
        assertThatThrownBy(() -> Pem.certificates(pki.serverKey())).hasMessageContaining("no PEM certificate");
        assertThatThrownBy(() -> TlsFiles.keyManager(pki.serverCert(), pki.clientKey(), null))
                .isInstanceOf(IOException.class).hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void openSslCipherNamesMapToJsseSuites() {
        assertThat(Ciphers.fromOpenSsl("ECDHE-RSA-AES128-GCM-SHA256"))
                .isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(Ciphers.fromOpenSsl("ECDHE-ECDSA-CHACHA20-POLY1305"))
                .isEqualTo("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(Ciphers.fromOpenSsl("DHE-RSA-AES256-SHA256")).isEqualTo("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256");
        assertThat(Ciphers.fromOpenSsl("AES256-SHA")).isEqualTo("TLS_RSA_WITH_AES_256_CBC_SHA");
        assertThat(Ciphers.fromOpenSsl("HIGH")).isNull();
        String[] supported = {"TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"};
        Ciphers.Result r = Ciphers.parse("ECDHE-RSA-AES128-GCM-SHA256:!aNULL:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                supported, supported);
        assertThat(r.suites()).containsExactly("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
        assertThat(r.ignored()).containsExactly("!aNULL");
        assertThatThrownBy(() -> Ciphers.parse("HIGH:!aNULL", supported, supported))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("restapi.ciphers");
    }
}
