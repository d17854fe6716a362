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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.x500.X500Principal;

/**
 * Password-bound self-signed certificates for the Raft DCS peers. A peer generates an ephemeral EC P-256 key pair
 * and a certificate whose subject (and issuer) CN is {@code v2.base64url(HMAC-SHA256(K, publicKey.getEncoded()))},
 * where K is the password stretched once per process by PBKDF2-HMAC-SHA256 ({@value #ITERATIONS} iterations): anyone
 * who can open a TCP connection to a peer sees a CN, and each password guessed against it now costs that many
 * HMACs instead of one. Only holders of the password can mint a CN that {@link #isGenuine} accepts for a given key,
 * and only the holder of the private key can complete a TLS handshake with that certificate, so a successful mutual
 * handshake proves that both sides know the password without sending it. The {@code v2.} prefix versions the
 * scheme: a peer of an older Regent (a bare HMAC under the password) is refused with a message that says so.
 * Stateless and thread-safe.
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

    /**
     * PBKDF2 iterations: OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Once per process: ~0.3 s with C2, ~2-3 s in
     * bin/regent's C1-only JVM (measured on the 2-core CI machine), paid at start-up.
     */
    static final int ITERATIONS = 600_000;
    /** The scheme prefix of every peer CN this version mints and accepts. */
    static final String SCHEME = "v2.";
    private static final Map<String, byte[]> DERIVED = new ConcurrentHashMap<>();

    /**
     * Whose credential a certificate carries. A peer's ({@code raft.password}) opens the peer port (Raft's server
     * and admin services); a client's ({@code raft.client_password}) opens only the client port. The two differ in
     * CN prefix and in the PBKDF2 salt, so neither certificate nor derived key of one is ever accepted as the other,
     * even for equal passwords.
     */
    enum Scheme {
        PEER(SCHEME, "regent raft password v2", "raft.password"),
        CLIENT("v2c.", "regent raft client password v2", "raft.client_password");

        final String prefix;
        // Constant (a group shares no other secret to salt with): it separates Regent's keys from other PBKDF2 uses
        // and the peer keys from the client keys; the iteration count is what makes guessing expensive.
        final byte[] salt;
        final String setting;

        Scheme(String prefix, String salt, String setting) {
            this.prefix = prefix;
            this.salt = salt.getBytes(StandardCharsets.UTF_8);
            this.setting = setting;
        }
    }

    /**
     * The key a password stands for: PBKDF2-HMAC-SHA256 of it, computed once per process (cached under a SHA-256 of
     * the password, so the cache does not keep the password itself).
     */
    static byte[] derive(String password) {
        return derive(password, Scheme.PEER);
    }

    /** As {@link #derive(String)}, for the credential kind {@code scheme} (its own salt). */
    static byte[] derive(String password, Scheme scheme) {
        return DERIVED.computeIfAbsent(scheme.prefix + sha256(password), h -> {
            try {
                PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), scheme.salt, ITERATIONS, 256);
                try {
                    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
                } finally {
                    spec.clearPassword();
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JVM has no PBKDF2WithHmacSHA256", e);
            }
        }).clone();
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** The CN that proves knowledge of the password whose derived key is {@code key}, for {@code publicKey}. */
    static String commonName(byte[] key, PublicKey publicKey) {
        return commonName(key, publicKey, Scheme.PEER);
    }

    /** As {@link #commonName(byte[], PublicKey)}, with {@code scheme}'s prefix. */
    static String commonName(byte[] key, PublicKey publicKey, Scheme scheme) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return scheme.prefix
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(publicKey.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    /** A self-signed certificate for {@code keys} under the derived {@code key}, valid until the end of 2049. */
    static X509Certificate create(KeyPair keys, byte[] key, Instant now) {
        return create(keys, key, Scheme.PEER, now);
    }

    /** As {@link #create(KeyPair, byte[], Instant)}, a certificate of {@code scheme}. */
    static X509Certificate create(KeyPair keys, byte[] key, Scheme scheme, Instant now) {
        return selfSigned(keys, commonName(key, keys.getPublic(), scheme), now);
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
     * is exactly the CN for its public key under one of {@code keys} (derived keys: the current password first,
     * then earlier ones accepted while a new password is rolled out). Validity dates are not checked: certificates
     * are ephemeral and the proof is the password.
     */
    static boolean isGenuine(X509Certificate cert, List<byte[]> keys) {
        return isGenuine(cert, keys, Scheme.PEER);
    }

    /** As {@link #isGenuine(X509Certificate, List)}, for a certificate of {@code scheme} under its keys. */
    static boolean isGenuine(X509Certificate cert, List<byte[]> keys, Scheme scheme) {
        X500Principal subject = cert.getSubjectX500Principal();
        if (!subject.equals(cert.getIssuerX500Principal())) return false;
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
        byte[] actual = subject.getName(X500Principal.RFC2253).getBytes(StandardCharsets.UTF_8);
        boolean genuine = false;
        for (byte[] key : keys) {
            byte[] expected = ("CN=" + commonName(key, cert.getPublicKey(), scheme)).getBytes(StandardCharsets.UTF_8);
            genuine |= MessageDigest.isEqual(expected, actual);  // constant time, every key tried: no oracle
        }
        return genuine;
    }

    /** True when {@code cert}'s CN is not of this scheme (a peer of an older Regent, or not a Regent peer). */
    static boolean otherScheme(X509Certificate cert) {
        return otherScheme(cert, Scheme.PEER);
    }

    /** True when {@code cert}'s CN does not carry {@code scheme}'s prefix. */
    static boolean otherScheme(X509Certificate cert, Scheme scheme) {
        return !cert.getSubjectX500Principal().getName(X500Principal.RFC2253).startsWith("CN=" + scheme.prefix);
    }
}
