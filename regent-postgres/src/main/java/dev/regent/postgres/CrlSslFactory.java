package dev.regent.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.callback.PasswordCallback;
import org.postgresql.ssl.LazyKeyManager;
import org.postgresql.ssl.PEMKeyManager;
import org.postgresql.ssl.PKCS12KeyManager;
import org.postgresql.ssl.WrappedFactory;

/**
 * pgjdbc's {@code sslfactory} for a verifying {@code sslmode} with certificate revocation lists, libpq's
 * {@code sslcrl} (a PEM file of CRLs) and {@code sslcrldir} (a directory of them): pgjdbc's own factory has no CRL
 * support. The server's chain must lead to {@code sslrootcert} and every certificate in it must have a CRL from its
 * issuer that does not list it (as libpq, which sets OpenSSL's CRL_CHECK and CRL_CHECK_ALL). The client certificate
 * and key are read by pgjdbc's key managers, as its LibPQFactory would. pgjdbc instantiates it per connection with
 * the connection's properties; host name checks (verify-full) stay pgjdbc's.
 */
public final class CrlSslFactory extends WrappedFactory {
    /** Properties that carry libpq's CRL settings to the factory (pgjdbc passes every property through). */
    static final String CRL = "regent.sslcrl";
    static final String CRL_DIR = "regent.sslcrldir";

    public CrlSslFactory(Properties info) throws GeneralSecurityException, IOException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        KeyManager km = keyManager(info);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(new CertPathTrustManagerParameters(pkix(info)));
        ctx.init(km == null ? null : new KeyManager[] {km}, tmf.getTrustManagers(), null);
        factory = ctx.getSocketFactory();
    }

    private static PKIXBuilderParameters pkix(Properties info) throws GeneralSecurityException, IOException {
        Path root = Path.of(info.getProperty("sslrootcert", defaultFile("root.crt")));
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        Set<TrustAnchor> anchors = new HashSet<>();
        try (InputStream in = Files.newInputStream(root)) {
            for (var c : cf.generateCertificates(in)) anchors.add(new TrustAnchor((X509Certificate) c, null));
        }
        if (anchors.isEmpty()) throw new GeneralSecurityException("no certificate in sslrootcert " + root);
        List<CRL> crls = new ArrayList<>();
        if (info.getProperty(CRL) != null) crls.addAll(crls(cf, Path.of(info.getProperty(CRL))));
        if (info.getProperty(CRL_DIR) != null) {
            try (Stream<Path> files = Files.list(Path.of(info.getProperty(CRL_DIR)))) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) crls.addAll(crls(cf, f));
            }
        }
        PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, null);
        params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
        params.setRevocationEnabled(true);
        return params;
    }

    /** The CRLs of a PEM or DER file; a file that holds none (a hash link to a certificate, say) adds nothing. */
    private static List<CRL> crls(CertificateFactory cf, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new ArrayList<>(cf.generateCRLs(in));
        } catch (GeneralSecurityException e) {
            return List.of();
        }
    }

    /** pgjdbc's key manager for the configured client certificate, as its LibPQFactory picks it; null: none. */
    private static KeyManager keyManager(Properties info) throws IOException {
        String key = info.getProperty("sslkey", defaultFile("postgresql.pk8"));
        String cert = info.getProperty("sslcert", defaultFile("postgresql.crt"));
        if (!Files.isReadable(Path.of(key))) return null;
        javax.security.auth.callback.CallbackHandler password = callbacks -> {
            for (var cb : callbacks) {
                if (cb instanceof PasswordCallback pc) {
                    String p = info.getProperty("sslpassword");
                    pc.setPassword(p == null ? null : p.toCharArray());
                }
            }
        };
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        try {
            if (lower.endsWith(".p12") || lower.endsWith(".pfx")) return new PKCS12KeyManager(key, password);
        } catch (org.postgresql.util.PSQLException e) {
            throw new IOException("cannot read sslkey " + key + ": " + e.getMessage(), e);
        }
        String head = new String(Files.readAllBytes(Path.of(key)), StandardCharsets.ISO_8859_1);
        if (head.contains("-----BEGIN")) {
            return new PEMKeyManager(key, cert, info.getProperty("pemKeyAlgorithm", "RSA"));
        }
        return new LazyKeyManager(cert, key, password, false);
    }

    private static String defaultFile(String name) {
        return Path.of(System.getProperty("user.home"), ".postgresql", name).toString();
    }
}
