package dev.regent.daemon.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/** A trust manager whose CA certificates can be replaced while its SSLContext serves. Thread-safe. */
final class SwitchableTrustManager extends X509ExtendedTrustManager {
    private volatile X509ExtendedTrustManager delegate;

    SwitchableTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    void set(X509ExtendedTrustManager d) {
        delegate = d;
    }

    @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException {
        delegate.checkClientTrusted(c, a, s);
    }

    @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) throws CertificateException {
        delegate.checkServerTrusted(c, a, s);
    }

    @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException {
        delegate.checkClientTrusted(c, a, e);
    }

    @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) throws CertificateException {
        delegate.checkServerTrusted(c, a, e);
    }

    @Override public void checkClientTrusted(X509Certificate[] c, String a) throws CertificateException {
        delegate.checkClientTrusted(c, a);
    }

    @Override public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException {
        delegate.checkServerTrusted(c, a);
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return delegate.getAcceptedIssuers(); }
}
