package dev.regent.dcs.raft;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly the peers that prove knowledge of the shared Raft password: a chain of one self-signed
 * certificate that {@link PasswordCertificate#isGenuine} accepts. Used on both sides of every peer and client
 * connection. It extends {@link X509ExtendedTrustManager} on purpose: JSSE and Netty then leave all checks to it and
 * do no host name verification (peers are identified by the password, not by DNS names). Thread-safe.
 */
final class PasswordTrustManager extends X509ExtendedTrustManager {
    private final String password;

    PasswordTrustManager(String password) {
        this.password = password;
    }

    private void check(X509Certificate[] chain, String side) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("raft " + side + " must present exactly one self-signed certificate");
        }
        if (!PasswordCertificate.isGenuine(chain[0], password)) {
            throw new CertificateException("raft " + side + " does not know the raft password (wrong raft.password?)");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "peer");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, "peer");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, "peer");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];  // self-signed peers: no CA to advertise
    }
}
