package dev.regent.dcs.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.FreePorts;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code use_ssl} against a real ZooKeeper server speaking only TLS and requiring client certificates (ZooKeeper's
 * server run as its own JVM, so that its TLS system properties do not leak into the client), with certificates made
 * by openssl for the test.
 */
class ZooKeeperTlsTest {
    private static Path dir;
    private static Process server;
    private static int port;

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("openssl " + String.join(" ", args) + ":\n" + out);
    }

    /** A CA, and a key and certificate signed by it for {@code name} with the given extensions. */
    private static void issue(String name, String subject, String extensions) throws Exception {
        Files.writeString(dir.resolve(name + ".ext"), extensions + "\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                subject);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    @BeforeAll
    static void startServer() throws Exception {
        dir = Files.createTempDirectory("regent-zk-tls");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=regent-test-ca");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
                "-days", "2", "-subj", "/CN=some-other-ca");
        issue("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "extendedKeyUsage=serverAuth,clientAuth");
        issue("client", "/CN=regent-client", "extendedKeyUsage=clientAuth");
        openssl("pkcs8", "-topk8", "-in", "client.key", "-out", "client-encrypted.key", "-v2", "aes-256-cbc",
                "-passout", "pass:s3cret");
        Files.writeString(dir.resolve("server-keystore.pem"), Files.readString(dir.resolve("server.key"))
                + Files.readString(dir.resolve("server.pem")));

        port = FreePorts.one();
        Path data = Files.createDirectories(dir.resolve("data"));
        Path cfg = dir.resolve("zoo.cfg");
        Files.writeString(cfg, "tickTime=250\ndataDir=" + data + "\nsecureClientPort=" + port
                + "\nsecureClientPortAddress=127.0.0.1\nmaxSessionTimeout=60000\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dzookeeper.admin.enableServer=false",
                "-Dzookeeper.serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
                "-Dzookeeper.ssl.keyStore.location=" + dir.resolve("server-keystore.pem"),
                "-Dzookeeper.ssl.keyStore.type=PEM",
                "-Dzookeeper.ssl.trustStore.location=" + dir.resolve("ca.pem"),
                "-Dzookeeper.ssl.trustStore.type=PEM",
                "-Dzookeeper.ssl.clientAuth=need",
                "org.apache.zookeeper.server.ZooKeeperServerMain", cfg.toString()));
        server = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!listening()) {
            if (System.nanoTime() > deadline || !server.isAlive()) {
                throw new IllegalStateException("the TLS ZooKeeper server did not start:\n"
                        + Files.readString(dir.resolve("server.log")));
            }
            Thread.sleep(100);
        }
    }

    private static boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
    }

    /** retry_timeout 2 s: the failures come quickly. */
    private static KeyValueStore store(Map<String, Object> tls) {
        return store(tls, Duration.ofSeconds(2));
    }

    private static KeyValueStore store(Map<String, Object> tls, Duration retryTimeout) {
        return store(tls, Duration.ofSeconds(4), retryTimeout);
    }

    private static KeyValueStore store(Map<String, Object> tls, Duration ttl, Duration retryTimeout) {
        Map<String, Object> section = new HashMap<>(tls);
        section.put("hosts", "127.0.0.1:" + port);
        section.put("use_ssl", true);
        return ZooKeeperKeyValueStore.fromConfig(section, ttl, retryTimeout, Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void mutualTlsWithAnEncryptedClientKey() throws Exception {
        // Patroni's default ttl and a generous retry_timeout: this test is about the encrypted key, not speed. The
        // first TLS connection of a JVM (Netty, the handshake, the key) takes seconds, 6.7 s once in CI and over 10 s
        // at load average 30. With ttl 4 the client's read timeout (2/3 of the session timeout, 2.7 s) also ran out
        // during that handshake, and the connection was dropped as soon as it was made.
        try (KeyValueStore s = store(Map.of("cacert", file("ca.pem"), "cert", file("client.pem"), "key",
                file("client-encrypted.key"), "key_password", "s3cret"), Duration.ofSeconds(30),
                Duration.ofSeconds(30))) {
            assertThat(s.create("/tls/service/batman/leader", "pg0", true)).isTrue();
            s.put("/tls/service/batman/config", "{}", false);
            List<KeyValue> kvs = s.getPrefix("/tls/service/batman/");
            assertThat(kvs).extracting(KeyValue::value).containsExactly("{}", "pg0");
            assertThat(kvs.get(1).session()).isEqualTo(s.sessionId());
            s.deletePrefix("/tls/");
        }
    }

    @Test
    void aWrongCaIsAnErrorWithinRetryTimeoutNotAHang() {
        try (KeyValueStore s = store(Map.of("cacert", file("other-ca.pem"), "cert", file("client.pem"), "key",
                file("client.key")))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("not reachable within retry_timeout 2 s over TLS");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void withoutAClientCertificateTheServerRefuses() {
        try (KeyValueStore s = store(Map.of("cacert", file("ca.pem")))) {
            assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class)
                    .hasMessageContaining("over TLS");
        }
    }

    @Test
    void aWrongKeyPasswordIsAConfigurationErrorNamingTheKey() {
        assertThatThrownBy(() -> store(Map.of("cacert", file("ca.pem"), "cert", file("client.pem"), "key",
                file("client-encrypted.key"), "key_password", "wrong"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("zookeeper.key/cert: cannot use the client key");
        assertThatThrownBy(() -> store(Map.of("cert", file("client.pem"), "key", file("client-encrypted.key"))))
                .hasMessageContaining("the key is encrypted: set key_password");
        assertThatThrownBy(() -> store(Map.of("cert", file("client.pem"))))
                .hasMessage("zookeeper.key is required with zookeeper.cert");
    }

    @Test
    void aPlainClientCannotTalkToTheTlsPort() {
        try (KeyValueStore s = ZooKeeperKeyValueStore.fromConfig(Map.of("hosts", "127.0.0.1:" + port),
                Duration.ofSeconds(4), Duration.ofSeconds(2), Ticker.SYSTEM, Sleeper.SYSTEM)) {
            assertThatThrownBy(() -> s.getPrefix("/tls/")).isInstanceOf(DcsException.class);
        }
    }
}
