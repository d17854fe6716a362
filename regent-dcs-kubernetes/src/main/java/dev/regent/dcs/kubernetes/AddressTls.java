package dev.regent.dcs.kubernetes;

import dev.regent.dcs.tls.PemTls;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context for talking to API servers by their IP addresses ({@code bypass_api_service}): the certificate
 * chain is still verified against the CA, but not the server's name, because an API server's certificate need not
 * list the node addresses the {@code kubernetes} Endpoints give (Patroni sets urllib3's {@code assert_hostname=False}
 * for the same reason; the Service IP is in the certificate, a master's own IP often is not).
 *
 * <p>Why a trust manager: the JDK HttpClient can only turn hostname verification off for the whole JVM (a system
 * property); it otherwise asks the SSLEngine to check the name, which SunJSSE does inside the
 * {@link X509ExtendedTrustManager} calls that receive the engine or socket. Answering those with the name-less chain
 * check skips only the name.
 */
final class AddressTls {
    private AddressTls() {}

    /** CA {@code ca} (null: the JDK's), client certificate {@code cert}/{@code key} (null: none); names not checked. */
    static SSLContext sslContext(Path ca, Path cert, Path key) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ca == null ? null : PemTls.trustStore(ca));
        TrustManager[] tms = tmf.getTrustManagers();
        for (int i = 0; i < tms.length; i++) {
            if (tms[i] instanceof X509TrustManager x) tms[i] = new ChainOnly(x);
        }
        KeyManagerFactory kmf = null;
        if (cert != null) {
            char[] storePassword = UUID.randomUUID().toString().toCharArray();
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(PemTls.keyStore(cert, key == null ? cert : key, null, storePassword), storePassword);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tms, null);
        return context;
    }

    /** Verifies chains with the delegate's two-argument checks, which never look at the peer's name. */
    static final class ChainOnly extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ChainOnly(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
