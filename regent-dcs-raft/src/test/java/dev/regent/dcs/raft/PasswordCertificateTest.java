package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** The hand-written DER certificate parses, and the trust manager accepts exactly password holders. */
class PasswordCertificateTest {
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    @Test
    void theCertificateIsAValidSelfSignedX509WithTheHmacCn() throws Exception {
        KeyPair keys = PasswordCertificate.newKeyPair();
        X509Certificate cert = PasswordCertificate.create(keys, "pw", NOW);
        assertThat(cert.getVersion()).isEqualTo(3);
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName(X500Principal.RFC2253))
                .isEqualTo("CN=" + PasswordCertificate.commonName("pw", keys.getPublic()))
                .matches("CN=[A-Za-z0-9_-]{43}");
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minusSeconds(86_400));
        cert.verify(keys.getPublic());
        assertThat(PasswordCertificate.isGenuine(cert, "pw")).isTrue();
        assertThat(PasswordCertificate.isGenuine(cert, "pW")).isFalse();
    }

    @Test
    void theTrustManagerRefusesOtherPasswordsForeignKeysAndChains() throws Exception {
        PasswordTrustManager tm = new PasswordTrustManager("pw");
        X509Certificate good = PasswordCertificate.create(PasswordCertificate.newKeyPair(), "pw", NOW);
        X509Certificate other = PasswordCertificate.create(PasswordCertificate.newKeyPair(), "nope", NOW);
        assertThatCode(() -> tm.checkClientTrusted(new X509Certificate[] {good}, "EC")).doesNotThrowAnyException();
        assertThatCode(() -> tm.checkServerTrusted(new X509Certificate[] {good}, "EC")).doesNotThrowAnyException();
        assertThatThrownBy(() -> tm.checkClientTrusted(new X509Certificate[] {other}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("raft.password");
        assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[] {good, good}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("exactly one");
        // a genuine CN copied onto another key: the HMAC is bound to the key, so it is refused
        X509Certificate stolenName = PasswordCertificate.selfSigned(PasswordCertificate.newKeyPair(),
                good.getSubjectX500Principal().getName().substring(3), NOW);
        assertThatThrownBy(() -> tm.checkServerTrusted(new X509Certificate[] {stolenName}, "EC"))
                .isInstanceOf(CertificateException.class);
    }
}
