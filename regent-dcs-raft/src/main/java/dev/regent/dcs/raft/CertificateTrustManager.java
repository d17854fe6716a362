package dev.regent.dcs.raft;

import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Certificate mode's trust: the chain must lead to one of the configured CAs (the JDK's PKIX validation, dates
 * included), and the leaf must name the right host in its IP or DNS subject alternative names: when we dial, the host
 * we dialled (the address of that peer id in the group, so no certificate answers for another peer's address); when
 * a party connects in and {@code inboundHosts} is set (the peer port), the host of some member of the group (a
 * certificate the CA issued for anything else does not open the peer port). DNS names match exactly, ignoring case;
 * IP addresses as addresses. Thread-safe.
 */
final class CertificateTrustManager extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;
    private final List<String> inboundHosts;  // null: any host

    CertificateTrustManager(KeyStore cas, Collection<String> inboundHosts) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(cas);
        X509TrustManager found = null;
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) found = x;
        }
        if (found == null) throw new GeneralSecurityException("no X.509 trust manager for the raft CA files");
        this.pkix = found;
        this.inboundHosts = inboundHosts == null ? null : List.copyOf(inboundHosts);
    }

    /** True when {@code cert} names {@code host} among its IP or DNS subject alternative names. */
    static boolean names(X509Certificate cert, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress ip = literal(h);
        try {
            if (cert.getSubjectAlternativeNames() == null) return false;
            for (List<?> san : cert.getSubjectAlternativeNames()) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                if (type == 2 && ip == null && value.toLowerCase(Locale.ROOT).equals(h.toLowerCase(Locale.ROOT))) {
                    return true;
                }
                if (type == 7 && ip != null && ip.equals(literal(value))) return true;
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        return false;
    }

    private static InetAddress literal(String host) {
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+") || !host.matches(".*[.:].*")) return null;
        try {
            return InetAddress.getByName(host);  // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private void inbound(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        if (inboundHosts == null) return;
        for (String host : inboundHosts) if (names(chain[0], host)) return;
        throw new CertificateException("raft peer certificate " + chain[0].getSubjectX500Principal() + " names no"
                + " member of the group " + inboundHosts + " in its subject alternative names");
    }

    private void outbound(X509Certificate[] chain, String authType, String dialled) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        if (dialled == null) throw new CertificateException("raft: the host dialled is unknown, cannot check its name");
        if (!names(chain[0], dialled)) {
            throw new CertificateException("raft peer at " + dialled + " presents a certificate for another host ("
                    + chain[0].getSubjectX500Principal() + "): refused, a peer may only answer for its own address");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        inbound(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        inbound(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        inbound(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        outbound(chain, authType, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        outbound(chain, authType, socket == null || socket.getInetAddress() == null ? null
                : socket.getInetAddress().getHostAddress());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        outbound(chain, authType, engine == null ? null : engine.getPeerHost());
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
