package dev.regent.dcs.etcd2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of {@code protocol: https}: the JVM's trusted CAs, or only the CA certificates of {@code cacert}
 * (PEM) when it is set. Client certificates ({@code cert}, {@code key}) are not implemented for the v2 API.
 */
final class Etcd2Tls {
    private Etcd2Tls() {}

    /** The context trusting {@code cacert}'s certificates; {@link IllegalArgumentException} names a bad file. */
    static SSLContext trusting(Path cacert) {
        try (InputStream in = Files.newInputStream(cacert)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, c);
            }
            if (n == 0) throw new GeneralSecurityException("no certificate in the file");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(Etcd2Config.SECTION + ".cacert: cannot read CA certificates from "
                    + cacert + ": " + e.getMessage(), e);
        }
    }
}
