package dev.regent.dcs.raft;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly the peers that prove knowledge of the shared Raft password: a chain of one self-signed
 * certificate that {@link PasswordCertificate#isGenuine} accepts. Used on both sides of every peer and client
 * connection. It extends {@link X509ExtendedTrustManager} on purpose: JSSE and Netty then leave all checks to it and
 * do no host name verification (peers are identified by the password, not by DNS names). Thread-safe.
 */
final class PasswordTrustManager extends X509ExtendedTrustManager {
    private final List<byte[]> keys;

    /** Trusts certificates minted under any of {@code keys} (derived keys, {@link PasswordCertificate#derive}). */
    PasswordTrustManager(List<byte[]> keys) {
        this.keys = List.copyOf(keys);
    }

    private void check(X509Certificate[] chain, String side) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("raft " + side + " must present exactly one self-signed certificate");
        }
        if (!PasswordCertificate.isGenuine(chain[0], keys)) {
            if (PasswordCertificate.otherScheme(chain[0])) {
                throw new CertificateException("raft " + side + " does not use this version's password scheme ("
                        + PasswordCertificate.SCHEME + "): it runs an older Regent, or is not a Regent raft peer;"
                        + " upgrade every node of the group");
            }
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
