package dev.regent.dcs.raft;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.util.CodeInjectionForTesting;

/**
 * A network partition for in-process peers: cuts one peer (and the clients made by {@link #client}) off from all the
 * others while every object keeps running. Server-to-server requests are held at Ratis' request-handling injection
 * points (as Ratis' own tests do) until {@link #heal}; client requests to the other side fail fast with an
 * IOException, as a refused connection would. One partition per JVM at a time (the injection points are global).
 */
final class Partition implements AutoCloseable {
    private static final String[] SERVER_POINTS = {"RaftServerImpl.requestVote", "RaftServerImpl.appendEntries",
        "RaftServerImpl.installSnapshot", "RaftServerImpl.startLeaderElection"};

    private final AtomicReference<RaftPeerId> isolated = new AtomicReference<>();

    Partition() {
        for (String point : SERVER_POINTS) CodeInjectionForTesting.put(point, this::hold);
    }

    void isolate(RaftPeerId peer) {
        isolated.set(peer);
    }

    void heal() {
        isolated.set(null);
    }

    private boolean cut(Object a, Object b) {
        RaftPeerId iso = isolated.get();
        return iso != null && a != null && b != null && (iso.equals(a) != iso.equals(b));
    }

    /** Holds a request across the cut until healed; the sender sees a timeout, as with dropped packets. */
    private boolean hold(Object localId, Object remoteId, Object... args) {
        boolean held = false;
        while (cut(localId, remoteId)) {
            held = true;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return held;
    }

    /** Clients of {@code peer}'s group that can reach only {@code peer}'s side of the partition (plaintext). */
    RaftKeyValueStore.ClientFactory clients(RaftKvServer peer) {
        return (budget, first) -> {
            ClientId id = ClientId.randomId();
            RaftProperties props = RaftClients.properties(budget);
            RaftClientRpc grpc = new GrpcFactory(new Parameters()).newRaftClientRpc(id, props);
            return peer.clientBuilder(budget, first).setClientId(id).setProperties(props)
                    .setClientRpc(new CutRpc(grpc, peer.id())).build();
        };
    }

    @Override
    public void close() {
        heal();
        for (String point : SERVER_POINTS) CodeInjectionForTesting.remove(point);
    }

    private final class CutRpc implements RaftClientRpc {
        private final RaftClientRpc delegate;
        private final RaftPeerId home;

        CutRpc(RaftClientRpc delegate, RaftPeerId home) {
            this.delegate = delegate;
            this.home = home;
        }

        private IOException refused(RaftClientRequest r) {
            return new IOException("partitioned: " + home + " cannot reach " + r.getServerId());
        }

        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest r) {
            return cut(home, r.getServerId()) ? CompletableFuture.failedFuture(refused(r))
                    : delegate.sendRequestAsync(r);
        }

        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest r) {
            return cut(home, r.getServerId()) ? CompletableFuture.failedFuture(refused(r))
                    : delegate.sendRequestAsyncUnordered(r);
        }

        @Override
        public RaftClientReply sendRequest(RaftClientRequest r) throws IOException {
            if (cut(home, r.getServerId())) throw refused(r);
            return delegate.sendRequest(r);
        }

        @Override
        public boolean handleException(RaftPeerId serverId, Throwable t, boolean reconnect) {
            return delegate.handleException(serverId, t, reconnect);
        }

        @Override
        public boolean shouldReconnect(Throwable t) {
            return delegate.shouldReconnect(t);
        }

        @Override
        public void addRaftPeers(Collection<RaftPeer> peers) {
            delegate.addRaftPeers(peers);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
