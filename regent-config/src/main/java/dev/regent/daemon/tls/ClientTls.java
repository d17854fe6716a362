package dev.regent.daemon.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The TLS side of calls to members' REST APIs (Patroni's {@code ctl} section, used by patronictl and by Patroni's
 * own calls to other members): {@code cacert} (else {@code restapi.cafile}) to verify the members' certificates,
 * {@code certfile}/{@code keyfile}/{@code keyfile_password} as the client certificate, {@code insecure} to verify
 * nothing. Immutable.
 *
 * @param insecure        accept any server certificate and host name
 * @param cacert          PEM CA certificates, or null for the JDK's trust store
 * @param certfile        PEM client certificate, or null for none
 * @param keyfile         its key, or null when in certfile
 * @param keyfilePassword the key's password, or null
 */
public record ClientTls(boolean insecure, String cacert, String certfile, String keyfile, String keyfilePassword) {
    /** Nothing configured: the JDK's defaults. */
    public static final ClientTls DEFAULT = new ClientTls(false, null, null, null, null);

    /** True when nothing differs from the JDK's defaults. */
    public boolean isDefault() {
        return !insecure && blank(cacert) && blank(certfile);
    }

    /** The SSLContext of these settings; the JDK's default one when nothing is configured. */
    public SSLContext sslContext() throws IOException {
        try {
            if (isDefault()) return SSLContext.getDefault();
            KeyManager[] km = blank(certfile) ? null : new KeyManager[] {TlsFiles.keyManager(Path.of(certfile),
                    blank(keyfile) ? null : Path.of(keyfile), keyfilePassword)};
            TrustManager tm = insecure ? TlsFiles.trustAll()
                    : TlsFiles.trustManager(blank(cacert) ? null : Path.of(cacert));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS is not available: " + e, e);
        }
    }

    /** An HTTP/1.1 client with these settings (Patroni's calls are HTTP/1.1). */
    public java.net.http.HttpClient httpClient(java.time.Duration connectTimeout) throws IOException {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder().connectTimeout(connectTimeout)
                .version(java.net.http.HttpClient.Version.HTTP_1_1);
        if (!isDefault()) b.sslContext(sslContext());
        return b.build();
    }

    @Override
    public String toString() {
        return "ClientTls[insecure=" + insecure + ", cacert=" + cacert + ", certfile=" + certfile + ", keyfile="
                + keyfile + "]";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
