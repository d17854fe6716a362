package dev.regent.dcs.zookeeper;

import dev.regent.testkit.FreePorts;
import java.io.File;
import java.nio.file.Files;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real ZooKeeper server (ZooKeeper's own server code, run in this JVM by Curator's TestingServer) on a free
 * loopback port, with a short tickTime so that sessions from 0.5 s are allowed (by default the server keeps session
 * timeouts within 2-20 ticks; the maximum is raised to 60 s). Stop and restart keep the port and the data.
 */
final class ZooKeeperTestServer implements AutoCloseable {
    static final int TICK_MILLIS = 250;
    private final TestingServer server;
    private final int port;

    private ZooKeeperTestServer(TestingServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static ZooKeeperTestServer start() {
        try {
            File dir = Files.createTempDirectory("regent-zk").toFile();
            int port = FreePorts.one();
            InstanceSpec spec = new InstanceSpec(dir, port, -1, -1, true, 1, TICK_MILLIS, 100,
                    Map.of("admin.enableServer", "false", "maxSessionTimeout", "60000"), "127.0.0.1");
            return new ZooKeeperTestServer(new TestingServer(spec, true), port);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a ZooKeeper server", e);
        }
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** Stops serving (clients see their connections closed); the data stays. */
    void stop() throws Exception {
        server.stop();
    }

    void restart() throws Exception {
        server.restart();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
