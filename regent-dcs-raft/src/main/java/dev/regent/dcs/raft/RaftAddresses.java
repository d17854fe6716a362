package dev.regent.dcs.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Raft DCS addressing: {@code host:port} parsing with errors that name the config key, and the group computed from
 * addresses alone (peer ids derive from addresses, the group id is fixed), so peers, witnesses and client-only
 * stores all agree on it without coordination. Stateless.
 */
final class RaftAddresses {
    static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("regent-dcs-raft".getBytes(StandardCharsets.UTF_8)));

    private RaftAddresses() {}

    /** The host of a validated {@code host:port}; {@code key} names the setting in errors (e.g. raft.bind_addr). */
    static String host(String key, String addr) {
        return addr.substring(0, colon(key, addr));
    }

    static int port(String key, String addr) {
        int colon = colon(key, addr);
        try {
            int port = Integer.parseInt(addr.substring(colon + 1));
            if (port > 0 && port < 65_536) return port;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " needs a port in 1-65535 after ':', got '" + addr + "'");
    }

    private static int colon(String key, String addr) {
        int colon = addr == null ? -1 : addr.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException(key + " must be host:port, got '" + addr + "'");
        return colon;
    }

    /** Validates {@code addr} as host:port and returns it trimmed. */
    static String require(String key, String addr) {
        String a = addr == null ? null : addr.trim();
        port(key, a);
        return a;
    }

    /** Patroni's partner_addrs: a YAML list or a comma-separated string; each entry validated. */
    static List<String> partners(Object value) {
        return partners("raft.partner_addrs", value);
    }

    /** As {@link #partners(Object)}, naming {@code key} in errors. */
    static List<String> partners(String key, Object value) {
        if (value == null) return List.of();
        List<String> raw = value instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                : Arrays.asList(value.toString().split(","));
        return raw.stream().map(String::trim).filter(s -> !s.isEmpty())
                .map(a -> require(key, a)).toList();
    }

    static RaftPeerId peerId(String addr) {
        return RaftPeerId.valueOf(addr.replace(':', '_'));
    }

    /** The peer ids of every distinct address in {@code addrs}, in order (a {@link RaftGroup} does not keep it). */
    static List<RaftPeerId> peerIds(List<String> addrs) {
        return new LinkedHashSet<>(addrs).stream().map(RaftAddresses::peerId).toList();
    }

    /** The group of every distinct address in {@code addrs}, clients served on the peer ports. */
    static RaftGroup group(List<String> addrs) {
        return group(addrs, 0);
    }

    /**
     * The group of every distinct address in {@code addrs}; with {@code clientPortOffset} > 0 each peer serves
     * clients at its port + the offset (admin calls stay on the peer port).
     */
    static RaftGroup group(List<String> addrs, int clientPortOffset) {
        List<RaftPeer> peers = new ArrayList<>();
        for (String addr : new LinkedHashSet<>(addrs)) {
            RaftPeer.Builder b = RaftPeer.newBuilder().setId(peerId(addr)).setAddress(addr);
            if (clientPortOffset > 0) {
                b.setAdminAddress(addr).setClientAddress(clientAddress("raft.partner_addrs", addr, clientPortOffset));
            }
            peers.add(b.build());
        }
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    /** The client address of the peer at {@code addr} (host:port): same host, port + {@code offset}. */
    static String clientAddress(String key, String addr, int offset) {
        int port = port(key, addr) + offset;
        if (port > 65_535) {
            throw new IllegalArgumentException(key + ": the client port of " + addr
                    + " (port + raft.client_port_offset " + offset + ") is above 65535");
        }
        return host(key, addr) + ":" + port;
    }
}
