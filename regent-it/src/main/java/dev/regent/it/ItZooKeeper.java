package dev.regent.it;

import dev.regent.testkit.FreePorts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real ZooKeeper server (ZooKeeper's own server code, run by Curator's TestingServer) in the test's JVM, on a free
 * loopback port, for Regent daemons started as separate processes. tickTime 500 ms with the maximum session raised to
 * 60 s, so that sessions of 1-60 s (ttl 20 s among them) are granted as asked.
 */
public final class ItZooKeeper implements AutoCloseable {
    /** {@code -Dregent.it.dcs=zookeeper}: clusters made by {@link LocalCluster#start}/{@code create} use ZooKeeper. */
    public static final String STORE_PROPERTY = "regent.it.dcs";

    private final TestingServer server;

    private ItZooKeeper(TestingServer server) {
        this.server = server;
    }

    public static ItZooKeeper start() {
        try {
            File data = Files.createTempDirectory("regent-it-zk").toFile();
            int port = FreePorts.one();
            return new ItZooKeeper(new TestingServer(new InstanceSpec(data, port, -1, -1, true, 1, 500, 100,
                    Map.of("admin.enableServer", "false", "maxSessionTimeout", "60000"), "127.0.0.1"), true));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a ZooKeeper server", e);
        }
    }

    /** A server when {@code regent.it.dcs} asks for ZooKeeper, else null (etcd). */
    static ItZooKeeper startIfRequested() {
        String store = System.getProperty(STORE_PROPERTY, "etcd3");
        return switch (store) {
            case "zookeeper" -> start();
            case "etcd3", "etcd2", "kubernetes", "consul", "" -> null;
            default -> throw new IllegalArgumentException(STORE_PROPERTY + " must be etcd3, etcd2, zookeeper,"
                    + " kubernetes or consul, not " + store);
        };
    }

    /** {@code -Dregent.it.dcs=etcd2}: clusters made by {@link LocalCluster#start}/{@code create} use etcd's v2 API. */
    static boolean etcdV2Requested() {
        return System.getProperty(STORE_PROPERTY, "etcd3").equals("etcd2");
    }

    /** {@code -Dregent.it.dcs=kubernetes}: clusters use an in-process fake Kubernetes API server. */
    static boolean kubernetesRequested() {
        return System.getProperty(STORE_PROPERTY, "etcd3").equals("kubernetes");
    }

    public String hostPort() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Stops serving (clients see their connections closed); the data stays for {@link #restart}. */
    public void stop() throws IOException {
        server.stop();
    }

    public void restart() throws Exception {
        server.restart();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
