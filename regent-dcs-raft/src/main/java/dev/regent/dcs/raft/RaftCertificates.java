package dev.regent.dcs.raft;

import dev.regent.dcs.tls.PemKeys;
import dev.regent.dcs.tls.PemTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Certificate mode of the Raft DCS, as etcd's peer and client TLS: operator-provided PEM files instead of a password.
 * {@code certfile}/{@code keyfile}: this participant's certificate and PKCS#8 key (a voting peer's peer certificate,
 * whose subject alternative names must name the host of its {@code self_addr}; a client config's client
 * certificate); {@code cafile}: the CA(s) of peer certificates; {@code client_cafile} (voting peers only): the CA(s)
 * of client certificates, which are accepted only on the client port. Every connection is mutual TLS; a peer
 * certificate must name, in its IP or DNS subject alternative names, the host it is dialled at (so no peer answers
 * for another's address) and, when it connects in, the host of some member of the group; each Raft server message
 * on such a connection must then come in the name of a member whose host it names ({@link PeerIdentityCheck}).
 * Immutable.
 */
record RaftCertificates(Path certfile, Path keyfile, Path cafile, Path clientCafile) {
    static final List<String> KEYS = List.of("certfile", "keyfile", "cafile", "client_cafile");

    /** The certificate settings of a {@code raft:} section; null when none of them is present (password mode). */
    static RaftCertificates of(Map<String, Object> raft) {
        if (KEYS.stream().noneMatch(raft::containsKey)) return null;
        Path cert = file(raft, "certfile", true);
        Path key = file(raft, "keyfile", true);
        Path ca = file(raft, "cafile", true);
        return new RaftCertificates(cert, key, ca, file(raft, "client_cafile", false));
    }

    private static Path file(Map<String, Object> raft, String key, boolean required) {
        Object v = raft.get(key);
        if (v == null || v.toString().isBlank()) {
            if (!required) return null;
            throw new IllegalArgumentException("raft." + key + " is required in certificate mode (raft.certfile,"
                    + " raft.keyfile and raft.cafile go together)");
        }
        Path p = Path.of(v.toString().trim());
        if (!Files.isReadable(p)) throw new IllegalArgumentException("raft." + key + " " + p + " cannot be read");
        return p;
    }

    /**
     * A voting peer's check: clients need their own CA (their certificates must not open the peer port), and this
     * peer's certificate must name the host it is reached at.
     *
     * @throws IllegalArgumentException naming the raft.* key at fault
     */
    void requireForPeer(String selfAddr) {
        if (clientCafile == null) {
            throw new IllegalArgumentException("raft.client_cafile is required on a voting peer in certificate mode:"
                    + " clients get certificates of their own CA, accepted only on the client port");
        }
        if (Arrays.equals(bytes(cafile), bytes(clientCafile))) {
            throw new IllegalArgumentException("raft.client_cafile must not be raft.cafile: a client certificate"
                    + " would then open the peer port");
        }
        String host = RaftAddresses.host("raft.self_addr", selfAddr);
        if (!CertificateTrustManager.names(certificate(), host)) {
            throw new IllegalArgumentException("raft.certfile " + certfile + " does not name " + host + " (the host of"
                    + " raft.self_addr) in its subject alternative names: the other peers would refuse it");
        }
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalArgumentException(p + " cannot be read: " + e.getMessage());
        }
    }

    private X509Certificate certificate() {
        try {
            return (X509Certificate) PemKeys.certificates(certfile)[0];
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("raft.certfile " + certfile + " holds no certificate: "
                    + e.getMessage());
        }
    }

    /** The peer port of a voting peer: peer CA only, member hosts only. */
    GrpcTlsConfig peerPort(Collection<String> memberHosts) {
        return tls(List.of(cafile), memberHosts);
    }

    /** The client port of a voting peer: client CA (and peer CA, for the peers' own stores), any host. */
    GrpcTlsConfig clientPort() {
        return tls(List.of(clientCafile, cafile), null);
    }

    /** A client's side: its certificate, peers checked against the peer CA and the host dialled. */
    GrpcTlsConfig client() {
        return tls(List.of(cafile), null);
    }

    private GrpcTlsConfig tls(List<Path> cas, Collection<String> inboundHosts) {
        try {
            char[] storePassword = UUID.randomUUID().toString().toCharArray();
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(PemTls.keyStore(certfile, keyfile, null, storePassword), storePassword);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Path ca : cas) {
                for (Certificate c : PemKeys.certificates(ca)) trust.setCertificateEntry("ca-" + i++, c);
            }
            KeyManager[] keys = kmf.getKeyManagers();
            return new GrpcTlsConfig(keys[0], new CertificateTrustManager(trust, inboundHosts), true);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("raft certificate mode: cannot load raft.certfile " + certfile
                    + ", raft.keyfile " + keyfile + " or the CA files: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "RaftCertificates[certfile=" + certfile + ", keyfile=" + keyfile + ", cafile=" + cafile
                + ", client_cafile=" + clientCafile + "]";
    }
}
