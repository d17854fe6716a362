package dev.regent.dcs.raft;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code raft.password} and {@code raft.insecure} settings, read the same way by a node, regentctl and the
 * witness. {@code password} is a string, or (Regent's extension, for rotating it without a full stop) a list whose
 * first entry is presented and all of which are accepted; present but empty or null is an error, never "no
 * password". Without a password the group runs plaintext and unauthenticated, which is refused on any address that
 * is not loopback unless {@code insecure: true} says the operator accepts it.
 */
final class RaftPasswords {
    private RaftPasswords() {}

    /** The passwords of a {@code raft:} section, current first; empty when the key is absent. */
    static List<String> of(Map<String, Object> raft) {
        return of(raft, "password");
    }

    /** As {@link #of(Map)}, for the password setting {@code key} ({@code password} or {@code client_password}). */
    static List<String> of(Map<String, Object> raft, String key) {
        if (!raft.containsKey(key)) return List.of();
        Object v = raft.get(key);
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object item : list) out.add(item == null ? "" : item.toString());
            if (out.isEmpty()) throw new IllegalArgumentException("raft." + key + " must not be an empty list");
        } else if (v instanceof Map) {
            throw new IllegalArgumentException("raft." + key + " must be a string or a list of strings, got "
                    + v.getClass().getSimpleName());
        } else {
            out.add(v == null ? "" : v.toString());
        }
        for (String p : out) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("raft." + key + " must not be empty (omit the key to run without"
                        + " one" + (key.equals("password") ? ", on loopback addresses only)" : ")"));
            }
        }
        return List.copyOf(out);
    }

    /** {@code raft.insecure}: true or false (also as a string); an error otherwise. */
    static boolean insecure(Map<String, Object> raft) {
        Object v = raft.get("insecure");
        if (v == null) return false;
        String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true") || s.equals("false")) return Boolean.parseBoolean(s);
        throw new IllegalArgumentException("raft.insecure must be true or false, got " + v);
    }

    /**
     * Refuses to run without a password when any of {@code addresses} (host:port) is not a loopback address, unless
     * {@code insecure}: anyone who can reach such a port could then read the store and write any command.
     */
    static void requireOffLoopback(List<String> passwords, boolean insecure, List<String> addresses) {
        requireOffLoopback(!passwords.isEmpty(), insecure, addresses);
    }

    /** As above, {@code secured} saying whether some credential (a password, certificates) is configured. */
    static void requireOffLoopback(boolean secured, boolean insecure, List<String> addresses) {
        if (secured || insecure) return;
        for (String address : addresses) {
            if (!loopback(address)) {
                throw new IllegalArgumentException("raft.password is not set and " + address + " is not a loopback"
                        + " address: raft traffic would be plaintext and unauthenticated, open to anyone who can"
                        + " reach the port. Set raft.password (a long random one) or certificate mode (raft.certfile),"
                        + " or raft.insecure: true to accept"
                        + " that on a trusted network");
            }
        }
    }

    private static boolean loopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = (colon < 0 ? hostPort : hostPort.substring(0, colon)).trim();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.equalsIgnoreCase("localhost")) return true;
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) return false;  // a name: never resolved here, so not loopback
        try {
            return InetAddress.getByName(host).isLoopbackAddress();  // a literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
