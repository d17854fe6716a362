package dev.regent.dcs.raft;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.KeyValueStoreContract;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a 3-peer in-process Ratis group on real time; nodes map onto peers round-robin. */
class RaftKeyValueStoreTest extends KeyValueStoreContract {
    private static final List<RaftKvServer> PEERS = new ArrayList<>();

    @BeforeAll
    static void startGroup() throws IOException {
        Path dir = Files.createTempDirectory("regent-raft");
        List<String> addrs = new ArrayList<>();
        for (int i = 0; i < 3; i++) addrs.add("127.0.0.1:" + freePort());
        for (int i = 0; i < 3; i++) {
            PEERS.add(RaftKvServer.start(addrs.get(i), addrs, dir.resolve("peer" + i)));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @AfterAll
    static void stopGroup() {
        PEERS.forEach(RaftKvServer::close);
        PEERS.clear();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        RaftKvServer peer = PEERS.get(Math.floorMod(node.hashCode(), PEERS.size()));
        return new RaftKeyValueStore(peer, false, ttl(), Duration.ofSeconds(10));
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
