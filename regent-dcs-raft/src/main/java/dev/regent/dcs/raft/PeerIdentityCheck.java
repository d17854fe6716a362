package dev.regent.dcs.raft;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.Descriptors.FieldDescriptor;
import org.apache.ratis.thirdparty.com.google.protobuf.Message;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCall;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate mode's tie between a Raft server message and the connection it came on: every request of Ratis' server
 * service (append entries, vote, pre-vote, leader election, snapshot installation, read index, and any later one)
 * names its sender in its {@link RaftRpcRequestProto#getRequestorId() requestor id}; that id must be a member of the
 * group whose address's host the TLS peer certificate of the connection names (the rule by which a dialling peer
 * checks whom it reached, {@link CertificateTrustManager#names}). Otherwise the call is closed with
 * {@code PERMISSION_DENIED} before Ratis sees the message, and a warning names the certificate and the claimed id.
 * A request with no requestor, or on a connection without a certificate, is refused alike (fail closed). The admin
 * and client services are not checked: their requestor is a client id, not a peer.
 *
 * <p>A certificate names a host, not a port, so members that share a host can still speak for one another; give each
 * peer its own address. Installed on the peer port through Ratis' {@link GrpcServices.Customizer}. Thread-safe.
 */
final class PeerIdentityCheck implements ServerInterceptor, GrpcServices.Customizer {
    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityCheck.class);

    private final Map<RaftPeerId, String> hosts;  // member id -> host of its address

    /** A check for the group of {@code memberAddrs} (host:port each, as in raft.self_addr/partner_addrs). */
    PeerIdentityCheck(List<String> memberAddrs) {
        Map<RaftPeerId, String> m = new LinkedHashMap<>();
        for (String addr : memberAddrs) {
            m.put(RaftAddresses.peerId(addr), RaftAddresses.host("raft.partner_addrs", addr));
        }
        this.hosts = Map.copyOf(m);
    }

    @Override
    public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
        return types.contains(GrpcServices.Type.SERVER) ? builder.intercept(this) : builder;
    }

    /**
     * Why a request from {@code requestor} on a connection presenting {@code cert} is refused, or null when it may
     * pass: the requestor must be a member whose host {@code cert} names.
     */
    String refusal(X509Certificate cert, RaftPeerId requestor) {
        if (cert == null) return "the connection presents no certificate";
        if (requestor == null) return "the request names no sender";
        String host = hosts.get(requestor);
        if (host == null) return "sender " + requestor + " is not a member of the group";
        if (!CertificateTrustManager.names(cert, host)) {
            return "the certificate " + cert.getSubjectX500Principal() + " does not name " + host + ", the host of "
                    + requestor;
        }
        return null;
    }

    /** The requestor of a server-service request: the peer id in its {@link RaftRpcRequestProto} field, or null. */
    static RaftPeerId requestor(Object request) {
        if (!(request instanceof Message m)) return null;
        for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated()
                    && f.getMessageType().equals(RaftRpcRequestProto.getDescriptor()) && m.hasField(f)) {
                RaftRpcRequestProto rpc = (RaftRpcRequestProto) m.getField(f);
                return rpc.getRequestorId().isEmpty() ? null : RaftPeerId.valueOf(rpc.getRequestorId());
            }
        }
        return null;
    }

    private static X509Certificate peerCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) return null;
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        if (!RaftServerProtocolServiceGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        GuardedCall<Q, R> guarded = new GuardedCall<>(call);
        X509Certificate cert = peerCertificate(call);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(guarded, headers)) {
            private boolean refused;  // listener callbacks are serialized by gRPC

            @Override
            public void onMessage(Q message) {
                if (refused) return;
                RaftPeerId requestor = requestor(message);
                String why = refusal(cert, requestor);
                if (why == null) {
                    super.onMessage(message);
                    return;
                }
                refused = true;
                String method = call.getMethodDescriptor().getBareMethodName();
                LOG.warn("raft: refused {} in the name of {} from {}: {}", method, requestor,
                        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
                guarded.refuse(Status.PERMISSION_DENIED.withDescription("raft " + method + " refused: " + why));
                super.onCancel();  // Ratis' side of the call ends as if the caller had gone
            }

            @Override
            public void onHalfClose() {
                if (!refused) super.onHalfClose();
            }

            @Override
            public void onCancel() {
                if (!refused) super.onCancel();
            }

            @Override
            public void onComplete() {
                if (!refused) super.onComplete();
            }

            @Override
            public void onReady() {
                if (!refused) super.onReady();
            }
        };
    }

    /**
     * The call as Ratis sees it: once refused, whatever Ratis still sends or closes on it (from its own threads, for
     * a stream that had already passed messages) is dropped, since a gRPC call may be closed only once and its
     * methods must not race.
     */
    private static final class GuardedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private boolean closed;

        GuardedCall(ServerCall<Q, R> call) {
            super(call);
        }

        synchronized void refuse(Status status) {
            if (closed) return;
            closed = true;
            super.close(status, new Metadata());
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) super.sendHeaders(headers);
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) super.sendMessage(message);
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (closed) return;
            closed = true;
            super.close(status, trailers);
        }
    }
}
