package dev.regent.dcs.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who may do what in a Raft DCS group: the peers' passwords ({@code raft.password}: the peer port, which serves
 * Raft's server and admin services), and optionally the clients' own ({@code raft.client_password}, Regent's
 * extension: the client port, which serves only reads and writes of the store). With a client password every peer
 * serves clients on its peer port + {@code clientPortOffset} (same host; {@code raft.client_port_offset}, one
 * group-wide value, default {@value #DEFAULT_CLIENT_PORT_OFFSET}), and a client credential can neither call an admin
 * service (set the membership, remove the group) nor join or talk as a peer. Without one ({@code clientPortOffset} 0)
 * clients use the peer password on the peer port, as before: every client config then holds a peer's authority. In
 * certificate mode ({@code certificates}, {@link RaftCertificates}; no passwords) clients always have their own port.
 * Passwords are current first; {@link #toString} never shows them. Immutable.
 */
record RaftCredentials(List<String> passwords, List<String> clientPasswords, int clientPortOffset,
                       RaftCertificates certificates) {
    static final int DEFAULT_CLIENT_PORT_OFFSET = 1;
    static final RaftCredentials NONE = new RaftCredentials(List.of(), List.of(), 0);

    /** Password mode ({@code certificates} null). */
    RaftCredentials(List<String> passwords, List<String> clientPasswords, int clientPortOffset) {
        this(passwords, clientPasswords, clientPortOffset, null);
    }

    RaftCredentials {
        passwords = List.copyOf(passwords);
        clientPasswords = List.copyOf(clientPasswords);
        boolean ownClients = !clientPasswords.isEmpty() || certificates != null;
        if (ownClients != (clientPortOffset > 0)) {
            throw new IllegalArgumentException("a client port offset needs a client credential and the other way"
                    + " round");
        }
        if (certificates != null && (!passwords.isEmpty() || !clientPasswords.isEmpty())) {
            throw new IllegalArgumentException("raft.certfile (certificate mode) excludes raft.password and"
                    + " raft.client_password: choose one mode");
        }
        for (String p : clientPasswords) {
            if (passwords.contains(p)) {
                throw new IllegalArgumentException("raft.client_password must differ from every raft.password: a"
                        + " client would otherwise hold a peer's authority");
            }
        }
    }

    /** Peer passwords only (the same on the peer port for peers and clients); empty: plaintext. */
    static RaftCredentials peers(List<String> passwords) {
        return new RaftCredentials(passwords, List.of(), 0);
    }

    /**
     * The credentials of a {@code raft:} section: {@code password}, {@code client_password} (as password: a string
     * or a list, never empty or null) and {@code client_port_offset} (1-64511, only with client_password).
     *
     * @throws IllegalArgumentException naming the {@code raft.<key>} that is malformed
     */
    static RaftCredentials of(Map<String, Object> raft) {
        List<String> passwords = RaftPasswords.of(raft, "password");
        List<String> clients = RaftPasswords.of(raft, "client_password");
        RaftCertificates certificates = RaftCertificates.of(raft);
        Object offset = raft.get("client_port_offset");
        boolean ownClients = !clients.isEmpty() || certificates != null;
        if (offset != null && !ownClients) {
            throw new IllegalArgumentException("raft.client_port_offset needs raft.client_password (clients get their"
                    + " own port only with their own credential)");
        }
        int n = !ownClients ? 0 : offset == null ? DEFAULT_CLIENT_PORT_OFFSET : offset(offset);
        return new RaftCredentials(passwords, clients, n, certificates);
    }

    private static int offset(Object v) {
        try {
            int n = Integer.parseInt(v.toString().trim());
            if (n >= 1 && n <= 64_511) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("raft.client_port_offset must be an integer in 1-64511, got " + v);
    }

    /** True when clients have their own port and credential. */
    boolean separateClients() {
        return clientPortOffset > 0;
    }

    /** True when some password secures the traffic a participant with these credentials sends or serves. */
    boolean secured() {
        return !passwords.isEmpty() || !clientPasswords.isEmpty() || certificates != null;
    }

    /**
     * A voting peer's check: clients' credential needs the peers' one (a client port with TLS beside a plaintext
     * peer port would protect nothing).
     *
     * @throws IllegalArgumentException when a client password is set without a peer password
     */
    RaftCredentials requireForPeer() {
        if (certificates != null) return this;  // checked with the peer's address, see RaftCertificates
        if (!clientPasswords.isEmpty() && passwords.isEmpty()) {
            throw new IllegalArgumentException("raft.client_password needs raft.password: a voting peer's own port"
                    + " would otherwise be plaintext and open to anyone");
        }
        return this;
    }

    /**
     * Every address the group's peers serve on (host:port each): the peer addresses, and with a client port each one
     * moved by the offset; it also refuses a client port that falls on another peer's port.
     */
    List<String> servedAddresses(String key, List<String> peerAddrs) {
        List<String> out = new ArrayList<>(peerAddrs);
        if (!separateClients()) return out;
        for (String addr : peerAddrs) {
            String client = RaftAddresses.clientAddress(key, addr, clientPortOffset);
            if (peerAddrs.contains(client)) {
                throw new IllegalArgumentException("raft.client_port_offset " + clientPortOffset + " puts the client"
                        + " port of " + addr + " on peer " + client + ": choose an offset that lands on free ports");
            }
            out.add(client);
        }
        return out;
    }

    @Override
    public String toString() {  // never the passwords
        return "RaftCredentials[passwords=" + passwords.size() + ", clientPasswords=" + clientPasswords.size()
                + ", clientPortOffset=" + clientPortOffset + ", certificates=" + certificates + "]";
    }
}
