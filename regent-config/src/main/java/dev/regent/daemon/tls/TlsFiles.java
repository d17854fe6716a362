package dev.regent.daemon.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Key and trust managers from PEM files, as Python's {@code ssl} loads them: a certificate chain with its key
 * ({@code load_cert_chain(certfile, keyfile, password)}; the key may be in the certificate file) and CA certificates
 * ({@code load_verify_locations(cafile)}; none = the JDK's default trust store). Failures are
 * {@link IOException}s naming the file. Stateless, thread-safe.
 */
public final class TlsFiles {
    private static final char[] NO_PASSWORD = new char[0];

    private TlsFiles() {}

    /**
     * The key manager of a certificate chain and its private key.
     *
     * @param certfile PEM certificate chain (leaf first)
     * @param keyfile  PEM private key, or null when it is in {@code certfile}
     * @param password the key's password, or null
     */
    public static X509ExtendedKeyManager keyManager(Path certfile, Path keyfile, String password) throws IOException {
        List<X509Certificate> chain = Pem.certificates(certfile);
        Path keyPath = keyfile == null ? certfile : keyfile;
        PrivateKey key = Pem.privateKey(keyPath, password);
        checkPair(chain.get(0), key, certfile, keyPath);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, NO_PASSWORD);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) return x;
            }
            throw new IOException("no X.509 key manager available");
        } catch (GeneralSecurityException e) {
            throw new IOException(certfile + ": cannot use the certificate and key: " + e, e);
        }
    }

    /** The trust manager of the CA certificates in {@code cafile}, or of the JDK's trust store when null. */
    public static X509ExtendedTrustManager trustManager(Path cafile) throws IOException {
        try {
            KeyStore ks = null;
            if (cafile != null) {
                ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (X509Certificate c : Pem.certificates(cafile)) ks.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) return x;
            }
            throw new IOException("no X.509 trust manager available");
        } catch (GeneralSecurityException e) {
            throw new IOException((cafile == null ? "the default trust store" : cafile) + ": " + e, e);
        }
    }

    /** Accepts every certificate and skips host name checks (patronictl's {@code insecure}). */
    public static X509ExtendedTrustManager trustAll() {
        return new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
    }

    /** Python's "key values mismatch": the key must sign what the certificate's public key verifies. */
    private static void checkPair(X509Certificate cert, PrivateKey key, Path certfile, Path keyfile)
            throws IOException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) return;
        try {
            byte[] probe = "regent".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) throw new GeneralSecurityException("key values mismatch");
        } catch (GeneralSecurityException e) {
            throw new IOException("the private key of " + keyfile + " does not belong to the certificate of "
                    + certfile + " (" + e.getMessage() + ")", e);
        }
    }
}
