package dev.regent.it;

import dev.regent.testkit.FreePorts;
import java.io.File;
import java.nio.file.Files;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** A real ZooKeeper server (ZooKeeper's own server code) in the test's JVM, for the daemons it starts. */
final class ZooKeeperServers {
    private ZooKeeperServers() {}

    /**
     * A standalone server on a free loopback port; tickTime 500 ms with the maximum session raised to 60 s, so that
     * sessions of 1-60 s (ttl 20 s among them) are granted as asked.
     */
    static TestingServer start() throws Exception {
        File data = Files.createTempDirectory("regent-it-zk").toFile();
        int port = FreePorts.one();
        return new TestingServer(new InstanceSpec(data, port, -1, -1, true, 1, 500, 100,
                Map.of("admin.enableServer", "false", "maxSessionTimeout", "60000"), "127.0.0.1"), true);
    }

    static String hostPort(TestingServer server) {
        return "127.0.0.1:" + server.getPort();
    }
}
