package dev.regent.dcs.raft;

import dev.regent.time.Ticker;
import java.net.Socket;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
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

    private final GrpcTlsConfig config;  // null: plaintext

    private PeerTls(GrpcTlsConfig config) {
        this.config = config;
    }

    /** Security for {@code password}; null or empty means none (warned once per JVM). */
    static PeerTls of(String password) {
        if (password == null || password.isEmpty()) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.warn("raft.password is not set: raft DCS peer traffic is neither authenticated nor encrypted");
            }
            return new PeerTls(null);
        }
        KeyPair keys = PasswordCertificate.newKeyPair();
        X509Certificate cert = PasswordCertificate.create(keys, password,
                Ticker.SYSTEM.wallInstant());  // TLS peers check validity on their real clocks
        return new PeerTls(new GrpcTlsConfig(new SingleKeyManager(keys.getPrivate(), cert),
                new PasswordTrustManager(password), true));
    }

    boolean secured() {
        return config != null;
    }

    /** Ratis parameters for a server or a client; empty (plaintext) without a password. */
    Parameters parameters() {
        Parameters p = new Parameters();
        if (config != null) {
            // Ratis 3.1 reads one setting per channel kind, with no fallback between them: set them all.
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
