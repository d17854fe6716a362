package dev.regent.dcs.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A group of in-process Raft peers on free 127.0.0.1 ports under one temp dir, for tests. */
final class RaftTestGroup implements AutoCloseable {
    final Path dir;
    final List<String> addrs = new ArrayList<>();
    final List<String> passwords;
    final List<RaftKvServer> peers = new ArrayList<>();

    RaftTestGroup(int size) {
        this(Collections.nCopies(size, null));
    }

    /** One peer per entry, each with that password (null: plaintext). */
    RaftTestGroup(List<String> passwords) {
        this.passwords = new ArrayList<>(passwords);
        try {
            dir = Files.createTempDirectory("regent-raft");
            while (addrs.size() < passwords.size()) {
                // The OS may hand out a port it just freed again: two peers on one port made the third one's bind
                // fail, and Ratis then ends the whole JVM (exit status 1, "Failed to start Grpc server").
                String addr = "127.0.0.1:" + freePort();
                if (!addrs.contains(addr)) addrs.add(addr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < passwords.size(); i++) peers.add(startPeer(i));
    }

    RaftKvServer startPeer(int i) {
        return RaftKvServer.start(addrs.get(i), null, addrs, dir.resolve("peer" + i), passwords.get(i));
    }

    /** A store for {@code node}; nodes map onto peers by hash so several peers serve the stores. */
    RaftKeyValueStore store(String node, Duration ttl) {
        RaftKvServer peer = peers.get(Math.floorMod(node.hashCode(), peers.size()));
        return new RaftKeyValueStore(peer, false, ttl, Duration.ofSeconds(10));
    }

    /** The index of the Raft leader, waiting up to 10 s for one among the running peers. */
    int leaderIndex() throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (int i = 0; i < peers.size(); i++) if (peers.get(i) != null && peers.get(i).isLeader()) return i;
            Thread.sleep(100);
        }
        throw new AssertionError("no raft leader elected");
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
        deleteTree(dir);
    }

    static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
