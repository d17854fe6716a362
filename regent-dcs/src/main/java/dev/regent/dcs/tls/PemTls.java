package dev.regent.dcs.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Client TLS from Patroni-style PEM files: {@code cacert} (the CAs to trust; without it the JDK's default trust store,
 * as Python's {@code ssl} falls back to the system CAs), {@code cert} and {@code key} (the client certificate chain and
 * its PKCS#8 key; the key may sit in the certificate file, as Patroni allows), {@code key_password} for an encrypted
 * key. Host names are checked by the client that uses the context (the JDK HttpClient always does). Immutable;
 * thread-safe.
 *
 * @param cacert      CA certificates (PEM), or null for the JDK's default trust store
 * @param cert        client certificate chain (PEM), or null for no client certificate
 * @param key         the client key (PEM, PKCS#8), or null when it is in {@code cert}
 * @param keyPassword the key's password, or null when it is not encrypted
 */
public record PemTls(Path cacert, Path cert, Path key, String keyPassword) {

    /** Whether a client certificate is presented. */
    public boolean hasClientCertificate() {
        return cert != null;
    }

    /**
     * The SSL context: trusting {@link #cacert} (or the JDK's defaults) and presenting the client certificate when
     * one is configured. Reads the files now, so a missing or unreadable file, a key that does not parse or a wrong
     * {@link #keyPassword} fails here, at start-up, rather than at the first handshake.
     *
     * @throws IOException              a file cannot be read
     * @throws GeneralSecurityException a file's content is not a usable certificate or key
     */
    public SSLContext sslContext() throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(cacert == null ? null : trustStore(cacert));
        KeyManagerFactory kmf = null;
        if (cert != null) {
            char[] storePassword = UUID.randomUUID().toString().toCharArray();
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(cert, key == null ? cert : key, keyPassword, storePassword), storePassword);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    /** An in-memory trust store holding every certificate of {@code pem}. */
    public static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (Certificate c : PemKeys.certificates(pem)) ks.setCertificateEntry("ca-" + i++, c);
        return ks;
    }

    /** An in-memory PKCS#12 key store with one entry: the key of {@code key} and the chain of {@code cert}. */
    public static KeyStore keyStore(Path cert, Path key, String keyPassword, char[] storePassword)
            throws IOException, GeneralSecurityException {
        PrivateKey privateKey = PemKeys.privateKey(key, keyPassword);
        Certificate[] chain = PemKeys.certificates(cert);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", privateKey, storePassword, chain);
        return ks;
    }
}
