package dev.regent.dcs.zookeeper;

import dev.regent.dcs.tls.PemKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;

/**
 * Patroni's {@code use_ssl} with {@code cacert}, {@code cert}, {@code key}, {@code key_password} and {@code verify}
 * (PEM files, as kazoo takes them): the client connects over TLS through ZooKeeper's Netty socket. The server's
 * certificate is checked against {@code cacert} (the JDK's trust store without it); {@code verify: false} turns off
 * the host name check only (kazoo would accept any certificate). The client key and certificate are handed to
 * ZooKeeper as a PKCS#12 file (see {@link #keyStore}), removed when the JVM exits. Immutable.
 *
 * @param cacert           CA certificates (PEM) or null
 * @param keyStore         the client key and certificate chain as PKCS#12 (see {@link #keyStore}), or null
 * @param keyStorePassword its random password
 * @param verify           check the server's host name
 */
public record ZooKeeperTls(Path cacert, Path keyStore, String keyStorePassword, boolean verify) {

    /** Null when {@code use_ssl} is off; {@link IllegalArgumentException} names a bad key. */
    static ZooKeeperTls fromMap(String sectionName, Map<String, Object> section) {
        Object ssl = section.get("use_ssl");
        if (ssl == null || "false".equalsIgnoreCase(ssl.toString())) return null;
        if (!"true".equalsIgnoreCase(ssl.toString())) {
            throw new IllegalArgumentException(sectionName + ".use_ssl must be true or false, not '" + ssl + "'");
        }
        Path cacert = file(sectionName, section, "cacert");
        Path cert = file(sectionName, section, "cert");
        Path key = file(sectionName, section, "key");
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(sectionName + "." + (cert == null ? "cert" : "key")
                    + " is required with " + sectionName + "." + (cert == null ? "key" : "cert"));
        }
        Object password = section.get("key_password");
        Object verify = section.get("verify");
        boolean check = verify == null || !"false".equalsIgnoreCase(verify.toString());
        if (cert == null) return new ZooKeeperTls(cacert, null, null, check);
        String storePassword = java.util.UUID.randomUUID().toString();
        return new ZooKeeperTls(cacert, keyStore(sectionName, cert, key, password == null ? null
                : password.toString(), storePassword), storePassword, check);
    }

    private static Path file(String sectionName, Map<String, Object> section, String name) {
        Object v = section.get(name);
        if (v == null) return null;
        Path p = Path.of(v.toString());
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(sectionName + "." + name + ": cannot read " + p);
        }
        return p;
    }

    /** Sets the client's TLS properties. */
    void apply(ZKClientConfig zk) {
        zk.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        zk.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        try (ClientX509Util x = new ClientX509Util()) {
            zk.setProperty(x.getSslHostnameVerificationEnabledProperty(), Boolean.toString(verify));
            if (cacert != null) {
                zk.setProperty(x.getSslTruststoreLocationProperty(), cacert.toString());
                zk.setProperty(x.getSslTruststoreTypeProperty(), "PEM");
            }
            if (keyStore != null) {
                zk.setProperty(x.getSslKeystoreLocationProperty(), keyStore.toString());
                zk.setProperty(x.getSslKeystoreTypeProperty(), "PKCS12");
                zk.setProperty(x.getSslKeystorePasswdProperty(), keyStorePassword);
            }
        }
    }

    /**
     * The key and certificate chain as a PKCS#12 key store in a file readable by this user only, encrypted with a
     * random password that lives only in this process (ZooKeeper's own PEM reader cannot decrypt the PBES2 keys that
     * OpenSSL 3 writes on Java 17). The key must be PKCS#8 ({@code BEGIN PRIVATE KEY} or {@code BEGIN ENCRYPTED PRIVATE
     * KEY}), as kazoo's users usually have; {@code openssl pkcs8 -topk8} converts older forms.
     */
    private static Path keyStore(String sectionName, Path cert, Path key, String keyPassword, String password) {
        try {
            java.security.PrivateKey privateKey = PemKeys.privateKey(key, keyPassword);
            java.security.cert.Certificate[] chain = PemKeys.certificates(cert);
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", privateKey, password.toCharArray(), chain);
            Path file = Files.createTempFile("regent-zookeeper-client-", ".p12",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            try (var out = Files.newOutputStream(file)) {
                ks.store(out, password.toCharArray());
            }
            return file;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(sectionName + ".key/cert: cannot use the client key " + key
                    + " and certificate " + cert + ": " + e.getMessage(), e);
        }
    }
}
