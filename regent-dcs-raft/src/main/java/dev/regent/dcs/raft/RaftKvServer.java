package dev.regent.dcs.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One in-process Raft peer of the embedded DCS: a Ratis server on {@code selfAddr} (host:port) with its log and
 * snapshots under {@code dataDir}, in a group made of itself and {@code partnerAddrs}. Peer ids derive from the
 * addresses, so every node computes the same group from Patroni's {@code self_addr}/{@code partner_addrs}.
 *
 * <p>While it is the Raft leader it sends a {@code tick} command (stamped with its clock) whenever an applied session
 * is past its deadline, which is how expiry advances when nobody writes. Snapshots are taken automatically every
 * {@value #SNAPSHOT_THRESHOLD} log entries. {@link #start} blocks only while the server binds; {@link #close} stops
 * it. Thread-safe.
 */
public final class RaftKvServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftKvServer.class);
    static final long SNAPSHOT_THRESHOLD = 1_000;
    private static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("regent-dcs-raft".getBytes(StandardCharsets.UTF_8)));

    private final String selfAddr;
    private final RaftGroup group;
    private final KvStateMachine stateMachine = new KvStateMachine();
    private final RaftServer server;
    private final RaftClient tickClient;
    private final ScheduledExecutorService ticker;
    private final AtomicBoolean tickInFlight = new AtomicBoolean();

    private RaftKvServer(String selfAddr, List<String> partnerAddrs, Path dataDir) throws IOException {
        this.selfAddr = selfAddr;
        this.group = group(selfAddr, partnerAddrs);
        RaftProperties props = new RaftProperties();
        GrpcConfigKeys.Server.setPort(props, port(selfAddr));
        RaftServerConfigKeys.setStorageDir(props, List.of(dataDir.toFile()));
        RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, SNAPSHOT_THRESHOLD);
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        this.server = RaftServer.newBuilder().setServerId(peerId(selfAddr)).setGroup(group)
                .setProperties(props).setStateMachine(stateMachine).setOption(startupOption(dataDir)).build();
        this.tickClient = newClient();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raft-dcs-ticker-" + selfAddr);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a peer; the group forms once a majority of peers runs. */
    public static RaftKvServer start(String selfAddr, List<String> partnerAddrs, Path dataDir) {
        try {
            RaftKvServer s = new RaftKvServer(selfAddr, partnerAddrs, dataDir);
            s.server.start();
            s.ticker.scheduleWithFixedDelay(s::tick, 200, 200, TimeUnit.MILLISECONDS);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start raft DCS peer " + selfAddr + " in " + dataDir, e);
        }
    }

    /** Recover an existing group directory (a restart keeps the log and snapshots), format a fresh one. */
    private static RaftStorage.StartupOption startupOption(Path dataDir) {
        return Files.isDirectory(dataDir.resolve(GROUP_ID.getUuid().toString()))
                ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT;
    }

    static RaftGroup group(String selfAddr, List<String> partnerAddrs) {
        Set<String> all = new LinkedHashSet<>();
        all.add(selfAddr);
        all.addAll(partnerAddrs);
        List<RaftPeer> peers = new ArrayList<>();
        for (String addr : all) peers.add(RaftPeer.newBuilder().setId(peerId(addr)).setAddress(addr).build());
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    static RaftPeerId peerId(String addr) {
        return RaftPeerId.valueOf(addr.replace(':', '_'));
    }

    private static int port(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("raft address needs host:port, got '" + addr + "'");
        return Integer.parseInt(addr.substring(colon + 1));
    }

    public String selfAddr() {
        return selfAddr;
    }

    /** A new client of this peer's group (the caller closes it). */
    RaftClient newClient() {
        return RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group).build();
    }

    KvStateMachine stateMachine() {
        return stateMachine;
    }

    /** True when this peer is the Raft leader now. */
    public boolean isLeader() {
        try {
            return server.getDivision(GROUP_ID).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /** Leader only: replicate the passage of time when some session has expired by our clock. */
    private void tick() {
        try {
            if (!isLeader() || !stateMachine.anyExpiredAt(System.currentTimeMillis())) return;
            if (!tickInFlight.compareAndSet(false, true)) return;
            tickClient.async().send(Codec.message(Command.of("tick", null)))
                    .whenComplete((r, e) -> tickInFlight.set(false));
        } catch (RuntimeException e) {
            tickInFlight.set(false);
            LOG.debug("raft DCS tick failed on {}", selfAddr, e);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            tickClient.close();
        } catch (IOException e) {
            LOG.debug("closing tick client", e);
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("closing raft DCS peer {} failed", selfAddr, e);
        }
    }
}
