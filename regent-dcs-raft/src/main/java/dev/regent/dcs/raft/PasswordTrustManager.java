package dev.regent.dcs.raft;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly the parties that prove knowledge of a shared Raft password of one {@link PasswordCertificate.Scheme}:
 * a chain of one self-signed certificate that {@link PasswordCertificate#isGenuine} accepts. Used on both sides of
 * every connection: peer scheme on the peer port, client scheme on the client port (when clients have their own).
 * It extends {@link X509ExtendedTrustManager} on purpose: JSSE and Netty then leave all checks to it and
 * do no host name verification (peers are identified by the password, not by DNS names). Thread-safe.
 */
final class PasswordTrustManager extends X509ExtendedTrustManager {
    private final List<byte[]> keys;
    private final PasswordCertificate.Scheme scheme;

    /** Trusts peer certificates minted under any of {@code keys} (derived keys, {@link PasswordCertificate#derive}). */
    PasswordTrustManager(List<byte[]> keys) {
        this(keys, PasswordCertificate.Scheme.PEER);
    }

    /** Trusts certificates of {@code scheme} minted under any of {@code keys} (derived for that scheme). */
    PasswordTrustManager(List<byte[]> keys, PasswordCertificate.Scheme scheme) {
        this.keys = List.copyOf(keys);
        this.scheme = scheme;
    }

    private void check(X509Certificate[] chain, String side) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("raft " + side + " must present exactly one self-signed certificate");
        }
        if (!PasswordCertificate.isGenuine(chain[0], keys, scheme)) {
            if (!PasswordCertificate.otherScheme(chain[0], PasswordCertificate.Scheme.CLIENT)
                    && scheme == PasswordCertificate.Scheme.PEER) {
                throw new CertificateException("raft " + side + " presents a client credential (raft.client_password)"
                        + " on the peer port: clients may only use the client port");
            }
            if (!PasswordCertificate.otherScheme(chain[0], PasswordCertificate.Scheme.PEER)
                    && scheme == PasswordCertificate.Scheme.CLIENT) {
                throw new CertificateException("raft " + side + " presents a peer credential (raft.password) on the"
                        + " client port: this group's clients need raft.client_password");
            }
            if (PasswordCertificate.otherScheme(chain[0], scheme)) {
                throw new CertificateException("raft " + side + " does not use this version's password scheme ("
                        + scheme.prefix + "): it runs an older Regent, or is not a Regent raft peer;"
                        + " upgrade every node of the group");
            }
            throw new CertificateException("raft " + side + " does not know the " + scheme.setting + " (wrong "
                    + scheme.setting + "?)");
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
