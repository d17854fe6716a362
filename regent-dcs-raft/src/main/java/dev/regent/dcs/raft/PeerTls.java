package dev.regent.dcs.raft;

import dev.regent.time.Ticker;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport security of one Raft DCS participant (peer or client): with a password, mutual TLS with an ephemeral
 * password-bound certificate ({@link PasswordCertificate}, {@link PasswordTrustManager}); without one, plaintext.
 * {@link #parameters()} carries it into Ratis for the server, admin and client gRPC channels alike. Immutable.
 */
final class PeerTls {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTls.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final AtomicBoolean WARNED_SHORT = new AtomicBoolean();

    private final GrpcTlsConfig config;  // null: plaintext

    private PeerTls(GrpcTlsConfig config) {
        this.config = config;
    }

    /** Security for {@code password}; null or empty means none (warned once per JVM). */
    static PeerTls of(String password) {
        return of(password == null || password.isEmpty() ? List.of() : List.of(password));
    }

    /** Shorter passwords get a warning: the scheme only slows guessing, a short password still falls. */
    static final int SHORT_PASSWORD = 16;

    /**
     * Security for {@code passwords}: the first is presented, all are accepted from others (a rotation: add the new
     * one first on every node, then drop the old one); empty means none (warned once per JVM). Only the derived keys
     * are kept.
     */
    static PeerTls of(List<String> passwords) {
        return of(passwords, PasswordCertificate.Scheme.PEER);
    }

    /**
     * As {@link #of(List)}, with certificates of {@code scheme}: {@code CLIENT} for the client port, on both its ends
     * (a peer serves it with a client-scheme certificate, which is all a client can check).
     */
    static PeerTls of(List<String> passwords, PasswordCertificate.Scheme scheme) {
        if (passwords.isEmpty()) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.warn("raft.password is not set: raft DCS peer traffic is neither authenticated nor encrypted");
            }
            return new PeerTls(null);
        }
        List<byte[]> keys = new ArrayList<>();
        for (String password : passwords) {
            if (password.length() < SHORT_PASSWORD && WARNED_SHORT.compareAndSet(false, true)) {
                LOG.warn("{} is shorter than {} characters: anyone who can reach a raft port can guess it"
                        + " offline; use a random one (e.g. openssl rand -base64 24)", scheme.setting, SHORT_PASSWORD);
            }
            keys.add(PasswordCertificate.derive(password, scheme));
        }
        KeyPair pair = PasswordCertificate.newKeyPair();
        X509Certificate cert = PasswordCertificate.create(pair, keys.get(0), scheme,
                Ticker.SYSTEM.wallInstant());  // TLS peers check validity on their real clocks
        return new PeerTls(new GrpcTlsConfig(new SingleKeyManager(pair.getPrivate(), cert),
                new PasswordTrustManager(keys, scheme), true));
    }

    /** Certificate mode's security (see {@link RaftCertificates}). */
    static PeerTls of(GrpcTlsConfig config) {
        return new PeerTls(java.util.Objects.requireNonNull(config, "config"));
    }

    boolean secured() {
        return config != null;
    }

    /**
     * Ratis parameters for a server whose client port has its own security {@code clients} (null: clients share the
     * peer port and this security): server and admin services, and this server's own calls to its peers, use this.
     */
    Parameters serverParameters(PeerTls clients) {
        if (clients == null) return parameters();
        Parameters p = new Parameters();
        if (config != null) {
            GrpcConfigKeys.TLS.setConf(p, config);
            GrpcConfigKeys.Server.setTlsConf(p, config);
            GrpcConfigKeys.Admin.setTlsConf(p, config);
        }
        if (clients.config != null) GrpcConfigKeys.Client.setTlsConf(p, clients.config);
        return p;
    }

    /** Ratis parameters for a server or a client, every channel kind alike; empty (plaintext) without a password. */
    Parameters parameters() {
        Parameters p = new Parameters();
        if (config != null) {
            // Ratis (3.1, 3.2) reads one setting per channel kind, with no fallback between them: set them all.
            GrpcConfigKeys.TLS.setConf(p, config);
            GrpcConfigKeys.Server.setTlsConf(p, config);
            GrpcConfigKeys.Admin.setTlsConf(p, config);
            GrpcConfigKeys.Client.setTlsConf(p, config);
        }
        return p;
    }

    /** Offers the one ephemeral EC key and certificate, for EC key types (and unnamed ones). */
    private static final class SingleKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "regent-raft";
        private final PrivateKey key;
        private final X509Certificate cert;

        SingleKeyManager(PrivateKey key, X509Certificate cert) {
            this.key = key;
            this.cert = cert;
        }

        private static boolean ec(String keyType) {
            return keyType == null || keyType.startsWith("EC");
        }

        private static String pick(String[] keyTypes) {
            return keyTypes == null || Arrays.stream(keyTypes).anyMatch(SingleKeyManager::ec) ? ALIAS : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return ec(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return pick(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return pick(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return ec(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return ec(keyType) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return ec(keyType) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? new X509Certificate[] {cert} : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
