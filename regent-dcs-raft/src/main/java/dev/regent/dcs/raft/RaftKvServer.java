package dev.regent.dcs.raft;

import dev.regent.time.Ticker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One in-process voting Raft peer of the embedded DCS: a Ratis server advertised at {@code selfAddr} (host:port),
 * listening on {@code bindAddr} (default: {@code selfAddr}), with its log and snapshots under {@code dataDir}, in a
 * group made of itself and {@code partnerAddrs}. Peer ids derive from the addresses, so every node computes the same
 * group from Patroni's {@code self_addr}/{@code partner_addrs}.
 *
 * <p><b>Security.</b> With a password (Patroni's {@code raft.password}) every connection, peer to peer and client to
 * peer, is mutual TLS: each participant presents an ephemeral self-signed P-256 certificate whose CN is an HMAC of
 * its public key under the password, and accepts only such certificates (see {@link PasswordCertificate}). Traffic
 * is encrypted and both ends prove knowledge of the password without sending it; a peer or client with another
 * password fails the handshake. The password must be strong: anybody who can connect sees a server certificate and
 * can guess passwords offline against its CN. Without a password peer traffic is plaintext and unauthenticated
 * (anybody who reaches the port can read and write the DCS); a warning is logged once. With a client password
 * ({@link RaftCredentials}) clients get a port of their own (Ratis' client service only, client certificates only)
 * and the peer port keeps the server and admin services for peer certificates only, so a client credential can
 * neither change the membership nor remove the group nor talk as a peer; this peer's own stores use the client port.
 * In certificate mode ({@link RaftCertificates}) each server message must also come in the name of a member whose
 * host the connection's certificate names ({@link PeerIdentityCheck}).
 *
 * <p><b>Time.</b> While it is the Raft leader it sends a {@code tick} command (stamped with its clock) whenever an
 * applied session is past its deadline, which is how expiry advances when nobody writes; time enters the replicated
 * state only through such leader stamps (see {@link KvState}). The tick is submitted to this peer's own server, not
 * through a Ratis client: a client may route it to a deposed leader cut off from the majority, and an ordered client
 * whose request once ran out of retries refuses every later one, which silently stopped a peer's expiry for good. Snapshots are taken automatically every
 * {@value #SNAPSHOT_THRESHOLD} log entries. {@link #start} blocks only while the server binds; {@link #close} stops
 * it. Thread-safe.
 */
public final class RaftKvServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftKvServer.class);
    static final long SNAPSHOT_THRESHOLD = 1_000;
    private static final Duration TICK_BUDGET = Duration.ofSeconds(2);

    private final String selfAddr;
    private final RaftGroup group;
    private final List<RaftPeerId> peerIds;  // this peer first, then the partners as configured
    private final PeerTls tls;
    private final PeerTls clientTls;  // the client port's; null: clients share the peer port and tls
    private final PeerTls storeTls;  // what this peer's own stores present
    private final PeerIdentityCheck identityCheck;  // certificate mode: server messages in their own name only
    private final Ticker clock;
    private final KvStateMachine stateMachine;
    private final RaftServer server;
    private final ScheduledExecutorService ticker;
    private final AtomicBoolean tickInFlight = new AtomicBoolean();
    private final ClientId tickClientId = ClientId.randomId();
    private final AtomicLong tickCallId = new AtomicLong();

    private RaftKvServer(String selfAddr, String bindAddr, List<String> partnerAddrs, Path dataDir,
                         RaftCredentials credentials, Ticker clock) throws IOException {
        this.clock = clock;
        this.stateMachine = new KvStateMachine(clock);
        this.selfAddr = RaftAddresses.require("raft.self_addr", selfAddr);
        String bind = bindAddr == null ? this.selfAddr : RaftAddresses.require("raft.bind_addr", bindAddr);
        List<String> all = new ArrayList<>();
        all.add(this.selfAddr);
        all.addAll(partnerAddrs);
        credentials.requireForPeer().servedAddresses("raft.partner_addrs", all);  // a client port on a peer's: refused
        int offset = credentials.clientPortOffset();
        this.group = RaftAddresses.group(all, offset);
        this.peerIds = RaftAddresses.peerIds(all);
        RaftCertificates certificates = credentials.certificates();
        if (certificates != null) {
            certificates.requireForPeer(this.selfAddr);
            List<String> hosts = all.stream().map(a -> RaftAddresses.host("raft.partner_addrs", a)).distinct()
                    .toList();
            this.tls = PeerTls.of(certificates.peerPort(hosts));
            this.clientTls = PeerTls.of(certificates.clientPort());
            this.storeTls = PeerTls.of(certificates.client());
            this.identityCheck = new PeerIdentityCheck(all);
        } else {
            this.tls = PeerTls.of(credentials.passwords());
            this.clientTls = credentials.separateClients()
                    ? PeerTls.of(credentials.clientPasswords(), PasswordCertificate.Scheme.CLIENT) : null;
            this.storeTls = clientTls == null ? tls : clientTls;
            this.identityCheck = null;  // one shared password: no certificate to tie a peer id to
        }
        if (clientTls == null && tls.secured()) {
            LOG.info("raft.client_password is not set: clients use raft.password on the peer port, so every client"
                    + " config (regentctl, client-only nodes) could also change the raft membership or pose as a peer");
        }
        RaftProperties props = new RaftProperties();
        String bindHost = RaftAddresses.host("raft.bind_addr", bind);
        GrpcConfigKeys.Server.setHost(props, bindHost);
        GrpcConfigKeys.Server.setPort(props, RaftAddresses.port("raft.bind_addr", bind));
        if (clientTls != null) {  // admin stays on the peer port (its default): peers' credential only
            GrpcConfigKeys.Client.setHost(props, bindHost);
            GrpcConfigKeys.Client.setPort(props,
                    RaftAddresses.port("raft.bind_addr", RaftAddresses.clientAddress("raft.bind_addr", bind, offset)));
        }
        RaftServerConfigKeys.setStorageDir(props, List.of(dataDir.toFile()));
        RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, SNAPSHOT_THRESHOLD);
        // The leader heartbeats every timeoutMin/2: 500 ms keeps an idle node cheap, and a lost Raft leader is
        // replaced within 1-2 s, far inside retry_timeout (the HA loop never notices).
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS));
        // At start-up nobody waits for a heartbeat yet: elect the first leader quickly (the cluster starts sooner).
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(props, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(props, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
        this.server = RaftServer.newBuilder().setServerId(RaftAddresses.peerId(this.selfAddr)).setGroup(group)
                .setProperties(props).setParameters(serverParameters()).setStateMachine(stateMachine)
                .setOption(startupOption(dataDir)).build();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raft-dcs-ticker-" + selfAddr);
            t.setDaemon(true);
            return t;
        });
    }

    private Parameters serverParameters() {
        Parameters p = tls.serverParameters(clientTls);
        if (identityCheck != null) GrpcConfigKeys.Server.setServicesCustomizer(p, identityCheck);
        return p;
    }

    /** Starts a plaintext peer bound to {@code selfAddr}; the group forms once a majority of peers runs. */
    public static RaftKvServer start(String selfAddr, List<String> partnerAddrs, Path dataDir) {
        return start(selfAddr, null, partnerAddrs, dataDir, List.of());
    }

    /**
     * Starts a peer; the group forms once a majority of peers runs.
     *
     * @param bindAddr host:port to listen on, null for {@code selfAddr}
     * @param password the shared raft password, null or empty for none (plaintext, unauthenticated)
     * @throws IllegalArgumentException when an address is not host:port (the message names the raft.* key)
     * @throws UncheckedIOException when the server cannot bind or its data directory is unusable
     */
    public static RaftKvServer start(String selfAddr, String bindAddr, List<String> partnerAddrs, Path dataDir,
                                     String password) {
        return start(selfAddr, bindAddr, partnerAddrs, dataDir,
                password == null || password.isEmpty() ? List.of() : List.of(password));
    }

    /** As above with a password rotation: the first is presented, all are accepted (empty: plaintext). */
    public static RaftKvServer start(String selfAddr, String bindAddr, List<String> partnerAddrs, Path dataDir,
                                     List<String> passwords) {
        return start(selfAddr, bindAddr, partnerAddrs, dataDir, RaftCredentials.peers(passwords));
    }

    /**
     * As above with {@code credentials}: with a client password, clients get their own port (see
     * {@link RaftCredentials}) and this peer's own stores use it too.
     *
     * @throws IllegalArgumentException when a client password comes without a peer password, or a client port would
     *                                  fall on a peer's port
     */
    static RaftKvServer start(String selfAddr, String bindAddr, List<String> partnerAddrs, Path dataDir,
                              RaftCredentials credentials) {
        RaftKvServer s = null;
        try {
            s = new RaftKvServer(selfAddr, bindAddr, partnerAddrs, dataDir, credentials, Ticker.SYSTEM);
            s.server.start();
            s.ticker.scheduleWithFixedDelay(s::tick, 200, 200, TimeUnit.MILLISECONDS);
            LOG.info("raft DCS peer {} started (listening on {}, {}{}), group {}", selfAddr,
                    bindAddr == null ? selfAddr : bindAddr, s.tls.secured() ? "mutual TLS" : "plaintext",
                    s.clientTls == null ? "" : ", clients on port + " + credentials.clientPortOffset()
                            + " with their own credential", s.group.getPeers());
            return s;
        } catch (IOException e) {
            if (s != null) s.close();
            throw new UncheckedIOException("cannot start raft DCS peer " + selfAddr + " in " + dataDir, e);
        }
    }

    /** Recover an existing group directory (a restart keeps the log and snapshots), format a fresh one. */
    private static RaftStorage.StartupOption startupOption(Path dataDir) {
        return Files.isDirectory(dataDir.resolve(RaftAddresses.GROUP_ID.getUuid().toString()))
                ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT;
    }

    public String selfAddr() {
        return selfAddr;
    }

    RaftPeerId id() {
        return RaftAddresses.peerId(selfAddr);
    }

    /** The group's peers: this one first, then the partners in configured order. */
    List<RaftPeerId> peerIds() {
        return peerIds;
    }

    /**
     * A new client of this peer's group with this peer's transport security, whose requests give up {@code budget}
     * after they were sent and go first to this peer (the caller closes it).
     */
    RaftClient newClient(Duration budget) {
        return newClient(budget, id());
    }

    /** As {@link #newClient(Duration)}, sending first to {@code first}. */
    RaftClient newClient(Duration budget, RaftPeerId first) {
        return clientBuilder(budget, first).build();
    }

    RaftClient.Builder clientBuilder(Duration budget, RaftPeerId first) {
        return RaftClients.builder(group, storeTls, budget, first);
    }

    /** The group as clients see it (with client addresses when clients have their own port). */
    RaftGroup group() {
        return group;
    }

    /** The peers of the Raft configuration this peer currently holds (empty when it holds no group any more). */
    List<RaftPeerId> currentPeers() {
        try {
            return server.getDivision(RaftAddresses.GROUP_ID).getRaftConf().getCurrentPeers().stream()
                    .map(org.apache.ratis.protocol.RaftPeer::getId).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    KvStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * Whether too few peers of the group still run to form a majority: the other peers whose Raft port refuses a TCP
     * connection (nothing listens there: that peer process has stopped) leave fewer running peers, this one counted,
     * than a majority, so no write can commit until some come back. A peer that does not answer at all (a partition,
     * a firewall dropping packets, a stalled host) is not counted as stopped: it may still be running. Each probe
     * waits at most {@value #PROBE_CONNECT_MS} ms.
     */
    boolean majorityStopped() {
        RaftPeerId self = RaftAddresses.peerId(selfAddr);
        int size = peerIds.size();
        int stopped = 0;
        for (org.apache.ratis.protocol.RaftPeer p : group.getPeers()) {
            if (!p.getId().equals(self) && refusesConnections(p.getAddress())) stopped++;
        }
        return size - stopped < size / 2 + 1;
    }

    static final int PROBE_CONNECT_MS = 100;

    /** True when {@code hostPort} actively refuses a TCP connection (no listener); false when it accepts or is silent. */
    static boolean refusesConnections(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0) return false;
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1))),
                    PROBE_CONNECT_MS);
            return false;
        } catch (java.net.ConnectException e) {
            // only "Connection refused" (ECONNREFUSED) says nothing listens; "Network is unreachable" and a connect
            // timeout (SocketTimeoutException) may be a running peer behind a broken network
            return e.getMessage() != null && e.getMessage().contains("refused");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** True when this peer is the Raft leader now. */
    public boolean isLeader() {
        try {
            return server.getDivision(RaftAddresses.GROUP_ID).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Leader only: replicate the passage of time when some session has expired by our clock. At most one tick is in
     * flight; one that cannot commit (we lost the majority) is abandoned after {@link #TICK_BUDGET} and the next
     * due tick is a fresh, independent request, so no failure can stop later ticks.
     */
    private void tick() {
        try {
            if (!isLeader() || !stateMachine.anyExpiredAt(clock.wallMillis())) return;
            if (!tickInFlight.compareAndSet(false, true)) return;
            RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(tickClientId)
                    .setServerId(id()).setGroupId(RaftAddresses.GROUP_ID).setCallId(tickCallId.incrementAndGet())
                    .setMessage(Codec.message(Command.of("tick", null)))
                    .setType(RaftClientRequest.writeRequestType()).build();
            server.submitClientRequestAsync(request)
                    .orTimeout(TICK_BUDGET.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((r, e) -> tickInFlight.set(false));
        } catch (IOException | RuntimeException e) {
            tickInFlight.set(false);
            LOG.debug("raft DCS tick failed on {}", selfAddr, e);
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("closing raft DCS peer {} failed", selfAddr, e);
        }
    }
}
