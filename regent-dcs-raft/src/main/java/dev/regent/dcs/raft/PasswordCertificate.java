package dev.regent.dcs.raft;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.x500.X500Principal;

/**
 * Password-bound self-signed certificates for the Raft DCS peers. A peer generates an ephemeral EC P-256 key pair
 * and a certificate whose subject (and issuer) CN is {@code base64url(HMAC-SHA256(password, publicKey.getEncoded()))}.
 * Only holders of the password can mint a CN that {@link #isGenuine} accepts for a given key, and only the holder of
 * the private key can complete a TLS handshake with that certificate, so a successful mutual handshake proves that
 * both sides know the password without sending it. Stateless and thread-safe.
 */
final class PasswordCertificate {
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    private static final String COMMON_NAME = "2.5.4.3";
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss").withZone(ZoneOffset.UTC);

    private PasswordCertificate() {}

    /** A fresh P-256 key pair. */
    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate EC P-256 keys", e);
        }
    }

    /** The CN that proves knowledge of {@code password} for {@code key}. */
    static String commonName(String password, PublicKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    /** A self-signed certificate for {@code keys}, valid from a day ago until the end of 2049. */
    static X509Certificate create(KeyPair keys, String password, Instant now) {
        return selfSigned(keys, commonName(password, keys.getPublic()), now);
    }

    /** A self-signed certificate for {@code keys} with subject and issuer {@code CN=cn}. */
    static X509Certificate selfSigned(KeyPair keys, String cn, Instant now) {
        byte[] name = name(cn);
        byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
        byte[] validity = Der.sequence(Der.utcTime(UTC_TIME.format(now.minusSeconds(86_400))),
                Der.utcTime("491231235959"));
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(BigInteger.TWO)),  // v3
                Der.integer(new BigInteger(64, new SecureRandom()).add(BigInteger.ONE)),
                algorithm, name, validity, name,
                keys.getPublic().getEncoded());  // already a DER SubjectPublicKeyInfo
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.getPrivate());
            signer.update(tbs);
            byte[] der = Der.sequence(tbs, algorithm, Der.bitString(signer.sign()));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the raft peer certificate", e);
        }
    }

    private static byte[] name(String cn) {
        return Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(cn))));
    }

    /**
     * True when {@code cert} is self-signed (subject = issuer, signature verifies with its own key) and its subject
     * is exactly the CN for its public key under {@code password}. Validity dates are not checked: certificates are
     * ephemeral and the proof is the password.
     */
    static boolean isGenuine(X509Certificate cert, String password) {
        X500Principal subject = cert.getSubjectX500Principal();
        if (!subject.equals(cert.getIssuerX500Principal())) return false;
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
        byte[] expected = ("CN=" + commonName(password, cert.getPublicKey())).getBytes(StandardCharsets.UTF_8);
        byte[] actual = subject.getName(X500Principal.RFC2253).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, actual);  // constant time: no oracle on the HMAC
    }
}
