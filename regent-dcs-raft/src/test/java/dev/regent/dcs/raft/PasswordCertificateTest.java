package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/**
 * The hand-written DER certificate parses, its CN is an HMAC under the PBKDF2-stretched password (scheme v2), and the
 * trust manager accepts exactly password holders (any of the passwords of a rotation) and names an older scheme.
 */
class PasswordCertificateTest {
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final byte[] PW = PasswordCertificate.derive("pw");

    @Test
    void theCertificateIsAValidSelfSignedX509WithTheVersionedHmacCn() throws Exception {
        KeyPair keys = PasswordCertificate.newKeyPair();
        X509Certificate cert = PasswordCertificate.create(keys, PW, NOW);
        assertThat(cert.getVersion()).isEqualTo(3);
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName(X500Principal.RFC2253))
                .isEqualTo("CN=" + PasswordCertificate.commonName(PW, keys.getPublic()))
                .matches("CN=v2\\.[A-Za-z0-9_-]{43}");
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(NOW.minusSeconds(86_400));
        cert.verify(keys.getPublic());
        assertThat(PasswordCertificate.isGenuine(cert, List.of(PW))).isTrue();
        assertThat(PasswordCertificate.isGenuine(cert, List.of(PasswordCertificate.derive("pW")))).isFalse();
    }

    @Test
    void theKeyIsPbkdf2OfThePasswordNotThePasswordItself() throws Exception {
        assertThat(PW).hasSize(32).isNotEqualTo("pw".getBytes(StandardCharsets.UTF_8));
        assertThat(PasswordCertificate.derive("pw")).as("deterministic, so peers agree").isEqualTo(PW);
        assertThat(PasswordCertificate.derive("pw2")).isNotEqualTo(PW);
        javax.crypto.SecretKeyFactory f = javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        byte[] expected = f.generateSecret(new javax.crypto.spec.PBEKeySpec("pw".toCharArray(),
                "regent raft password v2".getBytes(StandardCharsets.UTF_8), 600_000, 256)).getEncoded();
        assertThat(PW).isEqualTo(expected);
        assertThat(PasswordCertificate.ITERATIONS).isGreaterThanOrEqualTo(600_000);
    }

    @Test
    void theTrustManagerRefusesOtherPasswordsForeignKeysAndChains() throws Exception {
        PasswordTrustManager tm = new PasswordTrustManager(List.of(PW));
        X509Certificate good = PasswordCertificate.create(PasswordCertificate.newKeyPair(), PW, NOW);
        X509Certificate other = PasswordCertificate.create(PasswordCertificate.newKeyPair(),
                PasswordCertificate.derive("nope"), NOW);
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

    @Test
    void aRotationAcceptsEitherPasswordWhilePresentingTheFirst() throws Exception {
        byte[] next = PasswordCertificate.derive("next-password");
        PasswordTrustManager rotating = new PasswordTrustManager(List.of(next, PW));
        X509Certificate old = PasswordCertificate.create(PasswordCertificate.newKeyPair(), PW, NOW);
        X509Certificate fresh = PasswordCertificate.create(PasswordCertificate.newKeyPair(), next, NOW);
        assertThatCode(() -> rotating.checkClientTrusted(new X509Certificate[] {old}, "EC")).doesNotThrowAnyException();
        assertThatCode(() -> rotating.checkClientTrusted(new X509Certificate[] {fresh}, "EC"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> new PasswordTrustManager(List.of(PW))
                .checkClientTrusted(new X509Certificate[] {fresh}, "EC")).isInstanceOf(CertificateException.class);
    }

    @Test
    void aPeerOfTheOlderSchemeIsRefusedWithAMessageThatSaysSo() throws Exception {
        // the scheme before v2: the CN was a bare HMAC of the public key under the password itself
        KeyPair keys = PasswordCertificate.newKeyPair();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("pw".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String oldCn = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(keys.getPublic()
                .getEncoded()));
        X509Certificate v1 = PasswordCertificate.selfSigned(keys, oldCn, NOW);
        assertThatThrownBy(() -> new PasswordTrustManager(List.of(PW))
                .checkServerTrusted(new X509Certificate[] {v1}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("older Regent")
                .hasMessageContaining("upgrade every node");
    }

    @Test
    void clientAndPeerCredentialsNeverStandInForEachOther() throws Exception {
        byte[] clientKey = PasswordCertificate.derive("pw", PasswordCertificate.Scheme.CLIENT);
        assertThat(clientKey).as("own salt: not the peer key of the same password").isNotEqualTo(PW);
        X509Certificate client = PasswordCertificate.create(PasswordCertificate.newKeyPair(), clientKey,
                PasswordCertificate.Scheme.CLIENT, NOW);
        X509Certificate peer = PasswordCertificate.create(PasswordCertificate.newKeyPair(), PW, NOW);
        assertThat(client.getSubjectX500Principal().getName()).startsWith("CN=v2c.");
        PasswordTrustManager peerPort = new PasswordTrustManager(List.of(PW, clientKey));
        PasswordTrustManager clientPort = new PasswordTrustManager(List.of(clientKey, PW),
                PasswordCertificate.Scheme.CLIENT);
        assertThatCode(() -> clientPort.checkClientTrusted(new X509Certificate[] {client}, "EC"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> peerPort.checkClientTrusted(new X509Certificate[] {client}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("client credential")
                .hasMessageContaining("peer port");
        assertThatThrownBy(() -> clientPort.checkClientTrusted(new X509Certificate[] {peer}, "EC"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("peer credential")
                .hasMessageContaining("raft.client_password");
        // The client scheme's CN with the peer prefix (or the other way round) is not genuine under either key.
        String hmac = client.getSubjectX500Principal().getName().substring("CN=v2c.".length());
        X509Certificate relabelled =
                PasswordCertificate.selfSigned(PasswordCertificate.newKeyPair(), "v2." + hmac, NOW);
        assertThat(PasswordCertificate.isGenuine(relabelled, List.of(PW, clientKey))).isFalse();
    }
}
