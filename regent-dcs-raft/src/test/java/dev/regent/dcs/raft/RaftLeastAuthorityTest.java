package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.FreePorts;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * raft.client_password: clients get their own port (peer port + raft.client_port_offset) and credential, against real
 * in-process Ratis peers. The client credential reads and writes the store there, and is refused every admin call
 * (membership, group removal, group info), on the peer port (its handshake fails) and on the client port (no admin
 * service there); it cannot talk to the peer port at all, so it cannot join or pose as a peer; a wrong client
 * password, and a peer password presented as a client's, are refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)  // the impostor first, while the third member is down
class RaftLeastAuthorityTest {
    private static final String PEER = "peer-password-0123456789";
    private static final String CLIENT = "client-password-0123456789";
    private static final int OFFSET = 1;
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(20);  // generous: two of three peers, a loaded machine
    @SuppressWarnings("unchecked")
    private static final Class<? extends Throwable>[] REFUSALS = new Class[] {IOException.class,
        StatusRuntimeException.class};  // Ratis' admin API passes gRPC's refusal through unwrapped
    private static final Duration REFUSED_RETRY = Duration.ofSeconds(2);  // a refused call spends its whole budget
    private static final RaftCredentials CREDENTIALS = new RaftCredentials(List.of(PEER), List.of(CLIENT), OFFSET);

    private static Path dir;
    private static final List<String> addrs = new ArrayList<>();
    private static final List<RaftKvServer> peers = new ArrayList<>();

    @BeforeAll
    static void startGroup() throws IOException {
        dir = Files.createTempDirectory("regent-raft-authority");
        for (int i = 0; i < 3; i++) addrs.add("127.0.0.1:" + FreePorts.consecutive(1 + OFFSET));
        for (int i = 0; i < 2; i++) peers.add(RaftKvServer.start(addrs.get(i), null, addrs, dir.resolve("p" + i),
                CREDENTIALS));
        // The third member is started by the test that poses as it first, then the genuine one.
    }

    @AfterAll
    static void stopGroup() {
        peers.forEach(RaftKvServer::close);
        RaftTestGroup.deleteTree(dir);
    }

    @Test
    @Order(1)
    void aClientCredentialCannotPoseAsAPeerThenClientsUseTheirOwnPort() throws Exception {
        // An impostor with the client credential on every channel poses as the third member: the peers refuse its
        // handshakes, so it neither receives the log nor wins an election, while the other two commit.
        RaftServer impostor = ratisServer(addrs.get(2), PeerTls.of(List.of(CLIENT), PasswordCertificate.Scheme.CLIENT)
                .parameters(), dir.resolve("impostor"));
        KvStateMachine impostorState = (KvStateMachine) impostor.getDivision(RaftAddresses.GROUP_ID).getStateMachine();
        awaitLeader();
        try (RaftKeyValueStore onPeer = new RaftKeyValueStore(peers.get(0), false, TTL, RETRY)) {
            assertThat(onPeer.create("/a/leader", "p0", false)).isTrue();
            assertThat(onPeer.getPrefix("/a/")).extracting(KeyValue::value).containsExactly("p0");
            assertThat(impostorState.localRead("/a/").kvs()).as("nothing replicated to the impostor").isEmpty();
            assertThat(impostor.getDivision(RaftAddresses.GROUP_ID).getInfo().isLeader()).isFalse();
        } finally {
            impostor.close();
        }
        awaitThirdPeer();

        // The client credential serves the store on the client ports (a client-only config, as regentctl's).
        try (RaftKeyValueStore client = RaftKeyValueStore.fromConfig(Map.of("partner_addrs", addrs,
                "client_password", CLIENT), TTL, RETRY);
             RaftKeyValueStore onThird = new RaftKeyValueStore(peers.get(2), false, TTL, RETRY)) {
            assertThat(client.create("/a/config", "{}", false)).isTrue();
            assertThat(onThird.getPrefix("/a/")).extracting(KeyValue::key).containsExactly("/a/config", "/a/leader");
        }
        // A wrong client password, and the peers' password in a client config, are refused.
        assertRefused(Map.of("partner_addrs", addrs, "client_password", "not-the-client-password"));
        assertRefused(Map.of("partner_addrs", addrs, "password", PEER));
        // Plaintext is refused; so is the client credential on the peer ports (a peer's server and admin services).
        try (RaftKeyValueStore plain = RaftKeyValueStore.client(addrs, RaftCredentials.NONE, TTL, REFUSED_RETRY,
                Ticker.SYSTEM, dev.regent.time.Sleeper.SYSTEM);
             RaftClient raw = rawClient(RaftAddresses.group(addrs), clientCredential())) {
            assertThatThrownBy(() -> plain.getPrefix("/a/")).isInstanceOf(DcsException.class);
            assertThatThrownBy(() -> raw.io().sendReadOnly(Codec.message(new KvStateMachine.Query("/a/", null))))
                    .isInstanceOfAny(REFUSALS);
        }
    }

    @Test
    @Order(2)
    void aClientCredentialIsRefusedEveryAdminCall() throws Exception {
        awaitThirdPeer();
        RaftPeerId target = RaftAddresses.peerId(addrs.get(0));
        // The control: a peer's credential may call the admin service on the peer port.
        try (RaftClient asPeer = rawClient(peers.get(0).group(), PeerTls.of(List.of(PEER)).parameters())) {
            assertThat(asPeer.getGroupManagementApi(target).info(RaftAddresses.GROUP_ID).isSuccess()).isTrue();
        }
        List<RaftPeer> two = peers.get(0).group().getPeers().stream().filter(p -> !p.getId().equals(target)).toList();
        // Admin calls go to the peer port (the group as clients see it): the client credential fails the handshake.
        // Then to the client port (admin addresses pointed there): it serves no admin service.
        for (RaftGroup group : List.of(peers.get(0).group(), adminOnClientPorts())) {
            try (RaftClient asClient = rawClient(group, clientCredential())) {
                assertThatThrownBy(() -> asClient.getGroupManagementApi(target).info(RaftAddresses.GROUP_ID))
                        .isInstanceOfAny(REFUSALS);
                assertThatThrownBy(() -> asClient.admin().setConfiguration(two)).isInstanceOfAny(REFUSALS);
                assertThatThrownBy(() -> asClient.getGroupManagementApi(target)
                        .remove(RaftAddresses.GROUP_ID, true, false)).isInstanceOfAny(REFUSALS);
                assertThatThrownBy(() -> asClient.admin().transferLeadership(target, 2_000))
                        .isInstanceOfAny(REFUSALS);
            }
        }
        for (RaftKvServer peer : peers) {
            assertThat(peer.currentPeers()).as("membership unchanged").hasSize(3);
        }
        try (RaftKeyValueStore client = RaftKeyValueStore.fromConfig(Map.of("partner_addrs", addrs,
                "client_password", CLIENT), TTL, RETRY)) {
            client.put("/b/still", "serving", false);
            assertThat(client.getPrefix("/b/")).extracting(KeyValue::value).containsExactly("serving");
        }
    }

    @Test
    @Order(3)
    void anExistingGroupRestartedWithAClientPasswordKeepsItsData() throws Exception {
        Path old = Files.createTempDirectory("regent-raft-migrate");
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) group.add("127.0.0.1:" + FreePorts.consecutive(1 + OFFSET));
        List<RaftKvServer> started = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                started.add(RaftKvServer.start(group.get(i), null, group, old.resolve("p" + i), List.of(PEER)));
            }
            try (RaftKeyValueStore legacy = new RaftKeyValueStore(started.get(0), false, TTL, RETRY)) {
                assertThat(legacy.create("/m/leader", "before", false)).isTrue();
            }
            started.forEach(RaftKvServer::close);
            started.clear();
            for (int i = 0; i < 3; i++) {
                started.add(RaftKvServer.start(group.get(i), null, group, old.resolve("p" + i), CREDENTIALS));
            }
            try (RaftKeyValueStore client = RaftKeyValueStore.fromConfig(Map.of("partner_addrs", group,
                    "client_password", CLIENT), TTL, RETRY);
                 RaftKeyValueStore onPeer = new RaftKeyValueStore(started.get(1), false, TTL, RETRY)) {
                assertThat(client.getPrefix("/m/")).extracting(KeyValue::value).containsExactly("before");
                assertThat(onPeer.create("/m/config", "after", false)).isTrue();
                assertThat(client.getPrefix("/m/")).extracting(KeyValue::key).containsExactly("/m/config", "/m/leader");
            }
        } finally {
            started.forEach(RaftKvServer::close);
            RaftTestGroup.deleteTree(old);
        }
    }

    /** The group with every admin address moved to the client port, where an attacker might try them. */
    private static RaftGroup adminOnClientPorts() {
        List<RaftPeer> moved = peers.get(0).group().getPeers().stream().map(p -> RaftPeer.newBuilder().setId(p.getId())
                .setAddress(p.getAddress()).setClientAddress(p.getClientAddress())
                .setAdminAddress(p.getClientAddress()).build()).toList();
        return RaftGroup.valueOf(RaftAddresses.GROUP_ID, moved);
    }

    /** Waits up to 20 s for one of the genuine peers to lead (two of three, so it takes an election or two). */
    private static void awaitLeader() throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            if (peers.stream().anyMatch(RaftKvServer::isLeader)) return;
            Thread.sleep(100);
        }
        throw new AssertionError("no raft leader among the genuine peers");
    }

    /** Both tests need the whole group; JUnit may run them in either order. */
    private static synchronized void awaitThirdPeer() throws Exception {
        if (peers.size() < 3) peers.add(RaftKvServer.start(addrs.get(2), null, addrs, dir.resolve("p2"), CREDENTIALS));
    }

    private static Parameters clientCredential() {
        return PeerTls.of(List.of(CLIENT), PasswordCertificate.Scheme.CLIENT).parameters();
    }

    private static void assertRefused(Map<String, Object> config) {
        try (RaftKeyValueStore s = RaftKeyValueStore.fromConfig(config, TTL, REFUSED_RETRY)) {
            assertThatThrownBy(() -> s.getPrefix("/a/")).isInstanceOf(DcsException.class);
            assertThatThrownBy(() -> s.put("/a/leader", "evil", false)).isInstanceOf(DcsException.class);
        }
    }

    /** A Ratis client of {@code group} with {@code tls} on every channel kind that gives up at the first failure. */
    private static RaftClient rawClient(RaftGroup group, Parameters tls) {  // RPCs wait 3 s: handshakes under load
        return RaftClient.newBuilder().setRaftGroup(group).setLeaderId(group.getPeers().iterator().next().getId())
                .setParameters(tls).setProperties(RaftClients.properties(Duration.ofSeconds(6)))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    /** A bare Ratis server with the store's state machine at {@code addr}, with {@code tls}: an impostor. */
    private static RaftServer ratisServer(String addr, Parameters tls, Path storage) throws IOException {
        RaftProperties props = new RaftProperties();
        GrpcConfigKeys.Server.setHost(props, "127.0.0.1");
        GrpcConfigKeys.Server.setPort(props, RaftAddresses.port("addr", addr));
        RaftServerConfigKeys.setStorageDir(props, List.of(storage.toFile()));
        RaftServer server = RaftServer.newBuilder().setServerId(RaftAddresses.peerId(addr))
                .setGroup(RaftAddresses.group(addrs, OFFSET)).setProperties(props).setParameters(tls)
                .setStateMachine(new KvStateMachine(Ticker.SYSTEM)).setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        return server;
    }
}
