package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.FreePorts;
import dev.regent.testkit.TestPki;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.com.google.protobuf.Descriptors.FieldDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
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
 * Certificate mode against real in-process Ratis peers on 127.0.0.1, .2 and .3 (one loopback address per peer, so a
 * certificate's IP address names one peer), with certificates made by openssl (TestPki): a peer CA, a separate client
 * CA. Clients with a client-CA certificate read and write on the client ports and are refused every admin call; a
 * peer that presents another peer's (genuine) certificate at its own address gets nothing from the group; a member
 * whose genuine certificate sends Raft server messages in another member's name is refused them; a certificate of
 * the peer CA that names no member, and one of another CA, are refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)  // the impostor first, while the third member is down
class RaftCertificateModeTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(20);  // generous: two of three peers, a loaded machine
    private static final Duration REFUSED_RETRY = Duration.ofSeconds(2);

    private static Path dir;
    private static TestPki pki;
    private static Path clientCa;
    private static final List<String> addrs = new ArrayList<>();
    private static final List<RaftKvServer> peers = new ArrayList<>();

    @BeforeAll
    static void startTwoPeers() throws IOException {
        dir = Files.createTempDirectory("regent-raft-certs");
        pki = TestPki.create(Files.createDirectory(dir.resolve("pki")));
        clientCa = pki.newCa("client-ca");
        for (int i = 1; i <= 3; i++) {
            addrs.add("127.0.0." + i + ":" + FreePorts.consecutive(2));
            pki.issue("peer" + i, "ca", "IP:127.0.0." + i);
        }
        pki.issue("regentctl", "client-ca", null);
        pki.issue("stranger", "ca", "IP:127.0.0.9");
        pki.issue("rogue", "other-ca", "IP:127.0.0.1");
        for (int i = 0; i < 2; i++) peers.add(startPeer(i));
        // The third member is started by the test that poses as it first, then the genuine one.
    }

    @AfterAll
    static void stop() {
        peers.forEach(RaftKvServer::close);
        RaftTestGroup.deleteTree(dir);
    }

    private static RaftKvServer startPeer(int i) {
        return RaftKvServer.start(addrs.get(i), null, addrs, dir.resolve("p" + i),
                new RaftCredentials(List.of(), List.of(), 1, certs("peer" + (i + 1), clientCa)));
    }

    private static RaftCertificates certs(String name, Path clientCafile) {
        return new RaftCertificates(pki.dir().resolve(name + ".pem"), pki.dir().resolve(name + ".key"), pki.ca(),
                clientCafile);
    }

    private static Map<String, Object> clientConfig(String name) {
        Map<String, Object> raft = new HashMap<>();
        raft.put("partner_addrs", addrs);
        raft.put("certfile", pki.dir().resolve(name + ".pem").toString());
        raft.put("keyfile", pki.dir().resolve(name + ".key").toString());
        raft.put("cafile", pki.ca().toString());
        return raft;
    }

    @Test
    @Order(1)
    void aPeerCannotAnswerForAnotherPeersAddressThenClientsUseTheirOwnCa() throws Exception {
        awaitLeader();
        try (RaftKeyValueStore onPeer = new RaftKeyValueStore(peers.get(0), false, TTL, RETRY)) {
            assertThat(onPeer.create("/c/leader", "p1", false)).isTrue();
            // peer 1's genuine certificate, presented at peer 3's address: whoever dials 127.0.0.3 refuses it
            RaftServer impostor = ratisServer(addrs.get(2), dir.resolve("impostor"));
            KvStateMachine state = (KvStateMachine) impostor.getDivision(RaftAddresses.GROUP_ID).getStateMachine();
            try {
                assertThat(onPeer.create("/c/config", "{}", false)).isTrue();
                assertThat(onPeer.getPrefix("/c/")).hasSize(2);
                assertThat(state.localRead("/c/").kvs()).as("nothing replicated to the impostor").isEmpty();
                assertThat(impostor.getDivision(RaftAddresses.GROUP_ID).getInfo().isLeader()).isFalse();
            } finally {
                impostor.close();
            }
        }
        awaitThirdPeer();
        try (RaftKeyValueStore client = RaftKeyValueStore.fromConfig(clientConfig("regentctl"), TTL, RETRY);
             RaftKeyValueStore onThird = new RaftKeyValueStore(peers.get(2), false, TTL, RETRY)) {
            client.put("/c/status", "ok", false);
            assertThat(onThird.getPrefix("/c/")).extracting(KeyValue::key)
                    .containsExactly("/c/config", "/c/leader", "/c/status");
        }
        // A certificate of another CA is refused, and so is plaintext.
        try (RaftKeyValueStore rogue = RaftKeyValueStore.fromConfig(clientConfig("rogue"), TTL, REFUSED_RETRY);
             RaftKeyValueStore plain = RaftKeyValueStore.client(addrs, RaftCredentials.NONE, TTL, REFUSED_RETRY,
                     Ticker.SYSTEM, dev.regent.time.Sleeper.SYSTEM)) {
            assertThatThrownBy(() -> rogue.getPrefix("/c/")).isInstanceOf(DcsException.class);
            assertThatThrownBy(() -> plain.getPrefix("/c/")).isInstanceOf(DcsException.class);
        }
    }

    @Test
    @Order(2)
    void clientCertificatesAndCertificatesNamingNoMemberAreRefusedAdminCalls() throws Exception {
        awaitThirdPeer();
        RaftPeerId target = RaftAddresses.peerId(addrs.get(0));
        RaftGroup group = peers.get(0).group();
        // The control: a member's certificate may call the admin service on the peer port.
        try (RaftClient asPeer = rawClient(group, params(certs("peer2", null).client()))) {
            assertThat(asPeer.getGroupManagementApi(target).info(RaftAddresses.GROUP_ID).isSuccess()).isTrue();
        }
        List<RaftPeer> two = group.getPeers().stream().filter(p -> !p.getId().equals(target)).toList();
        // A client certificate on the peer port (other CA) and on the client port (no admin service there); a peer
        // CA certificate that names no member of the group on the peer port.
        List<RaftClient> refused = List.of(rawClient(group, params(certs("regentctl", null).client())),
                rawClient(adminOnClientPorts(group), params(certs("regentctl", null).client())),
                rawClient(group, params(certs("stranger", null).client())));
        try {
            for (RaftClient c : refused) {
                assertThatThrownBy(() -> c.getGroupManagementApi(target).info(RaftAddresses.GROUP_ID))
                        .isInstanceOfAny(IOException.class, StatusRuntimeException.class);
                assertThatThrownBy(() -> c.admin().setConfiguration(two))
                        .isInstanceOfAny(IOException.class, StatusRuntimeException.class);
                assertThatThrownBy(() -> c.getGroupManagementApi(target).remove(RaftAddresses.GROUP_ID, true, false))
                        .isInstanceOfAny(IOException.class, StatusRuntimeException.class);
            }
        } finally {
            for (RaftClient c : refused) c.close();
        }
        for (RaftKvServer peer : peers) assertThat(peer.currentPeers()).as("membership unchanged").hasSize(3);
    }

    @Test
    @Order(3)
    void aMemberSendsServerMessagesOnlyInItsOwnName() throws Exception {
        awaitThirdPeer();
        awaitLeader();
        RaftPeerId self = RaftAddresses.peerId(addrs.get(0));
        RaftPeerId other = RaftAddresses.peerId(addrs.get(1));
        RaftPeerId target = RaftAddresses.peerId(addrs.get(2));
        ManagedChannel channel = channel(addrs.get(2), "peer1");  // peer 1's genuine certificate, dialling peer 3
        try {
            var blocking = RaftServerProtocolServiceGrpc.newBlockingStub(channel);
            // In its own name a (harmless: term 0) pre-vote reaches Ratis, which answers.
            RequestVoteReplyProto own = blocking.withDeadlineAfter(10, TimeUnit.SECONDS).requestVote(vote(self));
            assertThat(RaftPeerId.valueOf(own.getServerReply().getReplyId())).isEqualTo(target);
            assertThat(own.getServerReply().getSuccess()).isFalse();
            // In peer 2's name: refused before Ratis sees it.
            assertDenied(() -> blocking.withDeadlineAfter(10, TimeUnit.SECONDS).requestVote(vote(other)));
            assertDenied(() -> blocking.withDeadlineAfter(10, TimeUnit.SECONDS).startLeaderElection(
                    StartLeaderElectionRequestProto.newBuilder().setServerRequest(rpc(other)).build()));
            assertDenied(() -> blocking.withDeadlineAfter(10, TimeUnit.SECONDS).readIndex(
                    ReadIndexRequestProto.newBuilder().setServerRequest(rpc(other)).build()));
            // A stream: an append in its own name is answered, the next one in peer 2's name ends the stream.
            Stream append = new Stream();
            StreamObserver<AppendEntriesRequestProto> requests = RaftServerProtocolServiceGrpc.newStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS).appendEntries(append);
            requests.onNext(append(self, 1));
            assertThat(RaftPeerId.valueOf(append.replies.poll(10, TimeUnit.SECONDS).getServerReply().getReplyId()))
                    .isEqualTo(target);
            requests.onNext(append(other, 2));
            Throwable end = append.end.get(10, TimeUnit.SECONDS);
            assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(end).hasMessageContaining("does not name 127.0.0.2");
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
        }
        // The group is unharmed: it still writes, and every member still holds all three peers.
        try (RaftKeyValueStore onThird = new RaftKeyValueStore(peers.get(2), false, TTL, RETRY)) {
            onThird.put("/c/after-impersonation", "ok", false);
            assertThat(onThird.getPrefix("/c/after-")).extracting(KeyValue::value).containsExactly("ok");
        }
        for (RaftKvServer peer : peers) assertThat(peer.currentPeers()).as("membership unchanged").hasSize(3);
    }

    @Test
    void theIdentityCheckTiesTheRequestorToTheCertificate() throws Exception {
        PeerIdentityCheck check = new PeerIdentityCheck(addrs);
        java.security.cert.X509Certificate peer1 = chain("peer1")[0];
        assertThat(check.refusal(peer1, RaftAddresses.peerId(addrs.get(0)))).isNull();
        assertThat(check.refusal(peer1, RaftAddresses.peerId(addrs.get(1))))
                .contains("does not name 127.0.0.2").contains(RaftAddresses.peerId(addrs.get(1)).toString());
        assertThat(check.refusal(peer1, RaftPeerId.valueOf("127.0.0.1_1"))).contains("not a member of the group");
        assertThat(check.refusal(null, RaftAddresses.peerId(addrs.get(0)))).contains("no certificate");
        assertThat(check.refusal(peer1, null)).contains("names no sender");
        // Every request of Ratis' server service names its sender in exactly one field the check reads.
        var methods = RaftServerProtocolServiceGrpc.getServiceDescriptor().getMethods();
        assertThat(methods).hasSizeGreaterThanOrEqualTo(5);
        for (MethodDescriptor<?, ?> m : methods) {
            var prototype = (org.apache.ratis.thirdparty.com.google.protobuf.Message)
                    ((MethodDescriptor.PrototypeMarshaller<?>) m.getRequestMarshaller()).getMessagePrototype();
            assertThat(prototype.getDescriptorForType().getFields())
                    .filteredOn(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                            && f.getMessageType().equals(RaftRpcRequestProto.getDescriptor()))
                    .as(m.getFullMethodName()).hasSize(1);
            var f = prototype.getDescriptorForType().getFields().stream()
                    .filter(d -> d.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                            && d.getMessageType().equals(RaftRpcRequestProto.getDescriptor())).findFirst().get();
            var request = prototype.toBuilder().setField(f, rpc(RaftAddresses.peerId(addrs.get(1)))).build();
            assertThat(PeerIdentityCheck.requestor(request)).as(m.getFullMethodName())
                    .isEqualTo(RaftAddresses.peerId(addrs.get(1)));
            assertThat(PeerIdentityCheck.requestor(prototype)).as("no sender: " + m.getFullMethodName()).isNull();
        }
    }

    private static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                .hasMessageContaining("does not name 127.0.0.2");
    }

    private static RaftRpcRequestProto rpc(RaftPeerId requestor) {
        return RaftRpcRequestProto.newBuilder().setRequestorId(requestor.toByteString())
                .setReplyId(RaftAddresses.peerId(addrs.get(2)).toByteString())
                .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(RaftAddresses.GROUP_ID.toByteString()))
                .setCallId(1).build();
    }

    private static RequestVoteRequestProto vote(RaftPeerId candidate) {
        return RequestVoteRequestProto.newBuilder().setServerRequest(rpc(candidate)).setCandidateTerm(0)
                .setPreVote(true).build();
    }

    private static AppendEntriesRequestProto append(RaftPeerId leader, long callId) {
        return AppendEntriesRequestProto.newBuilder()
                .setServerRequest(rpc(leader).toBuilder().setCallId(callId)).setLeaderTerm(0).build();
    }

    /** The replies of an append-entries stream, and how it ended. */
    private static final class Stream implements StreamObserver<AppendEntriesReplyProto> {
        final BlockingQueue<AppendEntriesReplyProto> replies = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> end = new CompletableFuture<>();

        @Override
        public void onNext(AppendEntriesReplyProto reply) {
            replies.add(reply);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(t);
        }

        @Override
        public void onCompleted() {
            end.complete(null);
        }
    }

    /** A raw gRPC channel to {@code addr} presenting {@code name}'s certificate, checking the peer as peers do. */
    private static ManagedChannel channel(String addr, String name) throws Exception {
        char[] storePassword = "test".toCharArray();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(dev.regent.dcs.tls.PemTls.keyStore(pki.dir().resolve(name + ".pem"),
                pki.dir().resolve(name + ".key"), null, storePassword), storePassword);
        SslContext ssl = GrpcSslContexts.forClient().keyManager(kmf)
                .trustManager(new CertificateTrustManager(dev.regent.dcs.tls.PemTls.trustStore(pki.ca()), null))
                .build();
        return NettyChannelBuilder.forAddress(RaftAddresses.host("addr", addr), RaftAddresses.port("addr", addr))
                .sslContext(ssl).build();
    }

    @Test
    void theTrustManagerChecksTheCaAndTheNamedHost() throws Exception {
        java.security.KeyStore cas = dev.regent.dcs.tls.PemTls.trustStore(pki.ca());
        List<String> members = addrs.stream().map(a -> RaftAddresses.host("addr", a)).toList();
        CertificateTrustManager peerPort = new CertificateTrustManager(cas, members);
        CertificateTrustManager anyHost = new CertificateTrustManager(cas, null);
        java.security.cert.X509Certificate[] peer1 = chain("peer1");
        peerPort.checkClientTrusted(peer1, "EC");
        assertThatThrownBy(() -> peerPort.checkClientTrusted(chain("stranger"), "EC"))
                .hasMessageContaining("names no member of the group");
        anyHost.checkClientTrusted(chain("stranger"), "EC");  // the client port: any host the CA vouches for
        assertThatThrownBy(() -> anyHost.checkClientTrusted(chain("rogue"), "EC"))
                .isInstanceOf(java.security.cert.CertificateException.class);  // another CA
        assertThatThrownBy(() -> anyHost.checkClientTrusted(chain("regentctl"), "EC"))
                .isInstanceOf(java.security.cert.CertificateException.class);  // the client CA is not the peer CA
        assertThat(CertificateTrustManager.names(peer1[0], "127.0.0.1")).isTrue();
        assertThat(CertificateTrustManager.names(peer1[0], "127.0.0.3")).isFalse();
        assertThat(CertificateTrustManager.names(chain("server")[0], "LOCALHOST")).as("DNS, any case").isTrue();
        assertThat(CertificateTrustManager.names(chain("server")[0], "127.0.0.10")).isFalse();
        assertThat(CertificateTrustManager.names(peer1[0], "peer1")).as("a name never matches an IP").isFalse();
    }

    private static java.security.cert.X509Certificate[] chain(String name) throws Exception {
        return new java.security.cert.X509Certificate[] {(java.security.cert.X509Certificate)
            dev.regent.dcs.tls.PemKeys.certificates(pki.dir().resolve(name + ".pem"))[0]};
    }

    @Test
    void aVotingPeersCertificateSettingsAreChecked() throws Exception {
        String self = "127.0.0.2:1";
        List<String> none = List.of();
        assertThatThrownBy(() -> RaftKvServer.start(self, null, none, dir.resolve("never"),
                new RaftCredentials(none, none, 1, certs("peer2", null))))
                .hasMessageContaining("raft.client_cafile is required");
        assertThatThrownBy(() -> RaftKvServer.start(self, null, none, dir.resolve("never"),
                new RaftCredentials(none, none, 1, certs("peer2", pki.ca()))))
                .hasMessageContaining("raft.client_cafile must not be raft.cafile");
        assertThatThrownBy(() -> RaftKvServer.start(self, null, none, dir.resolve("never"),
                new RaftCredentials(none, none, 1, certs("peer1", clientCa))))
                .hasMessageContaining("does not name 127.0.0.2");
        Map<String, Object> both = clientConfig("regentctl");
        both.put("password", "a-password-as-well");
        assertThatThrownBy(() -> RaftKeyValueStore.fromConfig(both, TTL, RETRY))
                .hasMessageContaining("excludes raft.password");
        Map<String, Object> noCa = clientConfig("regentctl");
        noCa.remove("cafile");
        assertThatThrownBy(() -> RaftKeyValueStore.fromConfig(noCa, TTL, RETRY))
                .hasMessageContaining("raft.cafile is required");
        assertThat(Files.exists(dir.resolve("never"))).isFalse();
        // The witness takes the same files from flags or PATRONI_RAFT_* variables, checked the same way.
        RaftWitness.Options witness = RaftWitness.parse(new String[] {"--self-addr", "127.0.0.3:7", "--partner-addrs",
            "127.0.0.1:7,127.0.0.2:7", "--data-dir", "/d", "--certfile", pki.dir().resolve("peer3.pem").toString(),
            "--client-cafile", clientCa.toString()}, Map.of("PATRONI_RAFT_KEYFILE",
                pki.dir().resolve("peer3.key").toString(), "PATRONI_RAFT_CAFILE", pki.ca().toString()));
        assertThat(witness.credentials()).isEqualTo(new RaftCredentials(none, none, 1, certs("peer3", clientCa)));
        assertThatThrownBy(() -> RaftWitness.parse(new String[] {"--self-addr", "10.0.0.3:7", "--partner-addrs",
            "10.0.0.1:7", "--data-dir", "/d", "--certfile", pki.dir().resolve("peer3.pem").toString(), "--keyfile",
            pki.dir().resolve("peer3.key").toString(), "--cafile", pki.ca().toString(), "--client-cafile",
            clientCa.toString()}, Map.of())).hasMessageContaining("--certfile").hasMessageContaining("does not name"
                + " 10.0.0.3");
    }

    private static synchronized void awaitThirdPeer() {
        if (peers.size() < 3) peers.add(startPeer(2));
    }

    private static void awaitLeader() throws InterruptedException {
        for (int attempt = 0; attempt < 200; attempt++) {
            if (peers.stream().anyMatch(RaftKvServer::isLeader)) return;
            Thread.sleep(100);
        }
        throw new AssertionError("no raft leader among the genuine peers");
    }

    private static Parameters params(org.apache.ratis.grpc.GrpcTlsConfig tls) {
        return PeerTls.of(tls).parameters();
    }

    private static RaftGroup adminOnClientPorts(RaftGroup group) {
        return RaftGroup.valueOf(RaftAddresses.GROUP_ID, group.getPeers().stream().map(p -> RaftPeer.newBuilder()
                .setId(p.getId()).setAddress(p.getAddress()).setClientAddress(p.getClientAddress())
                .setAdminAddress(p.getClientAddress()).build()).toList());
    }

    private static RaftClient rawClient(RaftGroup group, Parameters tls) {  // RPCs wait 3 s: handshakes under load
        return RaftClient.newBuilder().setRaftGroup(group).setLeaderId(group.getPeers().iterator().next().getId())
                .setParameters(tls).setProperties(RaftClients.properties(Duration.ofSeconds(6)))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    /** A bare Ratis server at {@code addr} presenting peer 1's certificate on every port. */
    private static RaftServer ratisServer(String addr, Path storage) throws IOException {
        RaftProperties props = new RaftProperties();
        GrpcConfigKeys.Server.setHost(props, RaftAddresses.host("addr", addr));
        GrpcConfigKeys.Server.setPort(props, RaftAddresses.port("addr", addr));
        RaftServerConfigKeys.setStorageDir(props, List.of(storage.toFile()));
        List<String> hosts = addrs.stream().map(a -> RaftAddresses.host("addr", a)).toList();
        RaftServer server = RaftServer.newBuilder().setServerId(RaftAddresses.peerId(addr))
                .setGroup(RaftAddresses.group(addrs, 1)).setProperties(props)
                .setParameters(params(certs("peer1", clientCa).peerPort(hosts)))
                .setStateMachine(new KvStateMachine(Ticker.SYSTEM)).setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        return server;
    }
}
