package dev.regent.dcs.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A group of in-process Raft peers on free 127.0.0.1 ports under one temp dir, for tests. */
final class RaftTestGroup implements AutoCloseable {
    final Path dir;
    final List<String> addrs = new ArrayList<>();
    final List<RaftKvServer> peers = new ArrayList<>();

    RaftTestGroup(int size) {
        try {
            dir = Files.createTempDirectory("regent-raft");
            for (int i = 0; i < size; i++) addrs.add("127.0.0.1:" + freePort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < size; i++) peers.add(startPeer(i));
    }

    RaftKvServer startPeer(int i) {
        return RaftKvServer.start(addrs.get(i), addrs, dir.resolve("peer" + i));
    }

    /** A store for {@code node}; nodes map onto peers by hash so several peers serve the stores. */
    RaftKeyValueStore store(String node, Duration ttl) {
        RaftKvServer peer = peers.get(Math.floorMod(node.hashCode(), peers.size()));
        return new RaftKeyValueStore(peer, false, ttl, Duration.ofSeconds(10));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        peers.forEach(p -> {
            if (p != null) p.close();
        });
        peers.clear();
    }

    /** Stops the peers and deletes their data. */
    void destroy() {
        close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
