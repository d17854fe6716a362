package dev.regent.daemon.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * The TLS side of the REST API server (Patroni's {@code restapi.certfile}, {@code keyfile}, {@code keyfile_password},
 * {@code cafile}, {@code ciphers}, {@code verify_client}). One SSLContext for the server's life whose certificate,
 * CA certificates, cipher list and client-certificate mode {@link #reload} replaces for the handshakes that follow.
 * Thread-safe.
 */
public final class ServerTls {
    /** {@code restapi.verify_client}. */
    public enum VerifyClient {
        /** no client certificate asked for */
        NONE,
        /** asked for; unsafe endpoints answer 403 without one */
        OPTIONAL,
        /** the handshake fails without one */
        REQUIRED;

        /** {@code none}/{@code optional}/{@code required}, any case; null = none. */
        public static VerifyClient of(String s) {
            return s == null ? NONE : valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /**
     * The configured files and options.
     *
     * @param certfile        PEM certificate chain (TLS is on when set)
     * @param keyfile         PEM private key, or null when it is in certfile
     * @param keyfilePassword its password, or null
     * @param cafile          CA certificates that sign client certificates, or null for the JDK's trust store
     * @param ciphers         OpenSSL cipher list, or null for the JVM's defaults
     * @param verifyClient    client certificate mode
     */
    public record Settings(String certfile, String keyfile, String keyfilePassword, String cafile, String ciphers,
                           VerifyClient verifyClient) {
        public Settings {
            Objects.requireNonNull(certfile, "restapi.certfile");
            verifyClient = verifyClient == null ? VerifyClient.NONE : verifyClient;
        }

        @Override
        public String toString() {
            return "certfile=" + certfile + ", keyfile=" + keyfile + ", cafile=" + cafile + ", ciphers=" + ciphers
                    + ", verify_client=" + verifyClient.name().toLowerCase(Locale.ROOT);
        }
    }

    private final SSLContext context;
    private final SwitchableKeyManager keys;
    private final SwitchableTrustManager trust;
    private volatile Active active;

    private record Active(Settings settings, String[] suites, List<String> ignoredCiphers) {}

    private ServerTls(SSLContext context, SwitchableKeyManager keys, SwitchableTrustManager trust, Active active) {
        this.context = context;
        this.keys = keys;
        this.trust = trust;
        this.active = active;
    }

    /** Loads the files; an {@link IOException} names the file that cannot be used. */
    public static ServerTls load(Settings s) throws IOException {
        SwitchableKeyManager keys = new SwitchableKeyManager(keyManager(s));
        SwitchableTrustManager trust = new SwitchableTrustManager(TlsFiles.trustManager(path(s.cafile())));
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            return new ServerTls(ctx, keys, trust, active(ctx, s));
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS is not available: " + e, e);
        }
    }

    /**
     * Re-reads the files (a renewed certificate) and takes the new options. When anything fails, the previous
     * certificate and options stay in force and the {@link IOException} says why.
     */
    public synchronized void reload(Settings s) throws IOException {
        var km = keyManager(s);
        var tm = TlsFiles.trustManager(path(s.cafile()));
        Active a = active(context, s);
        keys.set(km);
        trust.set(tm);
        active = a;
    }

    public SSLContext context() {
        return context;
    }

    public VerifyClient verifyClient() {
        return active.settings().verifyClient();
    }

    /** Entries of {@code ciphers} that name no suite this JVM supports (to be reported). */
    public List<String> ignoredCiphers() {
        return active.ignoredCiphers();
    }

    /** The parameters of a new connection: the context's defaults with the cipher list and client-cert mode. */
    public SSLParameters parameters() {
        Active a = active;
        SSLParameters p = context.getDefaultSSLParameters();
        if (a.suites() != null) p.setCipherSuites(a.suites());
        switch (a.settings().verifyClient()) {
            case REQUIRED -> p.setNeedClientAuth(true);
            case OPTIONAL -> p.setWantClientAuth(true);
            case NONE -> p.setWantClientAuth(false);
        }
        return p;
    }

    private static Active active(SSLContext ctx, Settings s) {
        if (s.ciphers() == null || s.ciphers().isBlank()) return new Active(s, null, List.of());
        Ciphers.Result r = Ciphers.parse(s.ciphers(), ctx.getSupportedSSLParameters().getCipherSuites(),
                ctx.getDefaultSSLParameters().getCipherSuites());
        return new Active(s, r.suites().toArray(new String[0]), r.ignored());
    }

    private static javax.net.ssl.X509ExtendedKeyManager keyManager(Settings s) throws IOException {
        return TlsFiles.keyManager(Path.of(s.certfile()), path(s.keyfile()), s.keyfilePassword());
    }

    private static Path path(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }
}
