package dev.regent.daemon.rest;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's {@code restapi.allowlist} and {@code allowlist_include_members} (§3.2 step 1): who may call the unsafe
 * endpoints. Entries are IP addresses, CIDR networks or host names (resolved when the list is built, every address
 * they have; an unresolvable name is logged and skipped, as Patroni does, but a list none of whose names resolved
 * lets nobody in where Patroni would let everybody in). Members' {@code api_url} hosts are
 * resolved on each check, as the members change. Immutable, thread-safe.
 */
final class AccessList {
    private static final Logger LOG = LoggerFactory.getLogger(AccessList.class);

    /** Neither option set: every address passes. */
    static final AccessList OPEN = new AccessList(List.of(), false, false);

    private final List<Network> networks;
    private final boolean includeMembers;
    /** An allowlist was configured (even one whose names all failed to resolve: then nobody passes it). */
    private final boolean listed;

    private AccessList(List<Network> networks, boolean includeMembers, boolean listed) {
        this.networks = networks;
        this.includeMembers = includeMembers;
        this.listed = listed;
    }

    /**
     * @param entries        {@code restapi.allowlist} (IPs, CIDRs, host names), empty for none
     * @param includeMembers {@code restapi.allowlist_include_members}
     * @throws IllegalArgumentException for a malformed CIDR
     */
    static AccessList of(List<String> entries, boolean includeMembers) {
        if ((entries == null || entries.isEmpty()) && !includeMembers) return OPEN;
        List<Network> nets = new ArrayList<>();
        for (String e : entries == null ? List.<String>of() : entries) {
            nets.addAll(Network.parse(e.trim()));
        }
        return new AccessList(List.copyOf(nets), includeMembers, entries != null && !entries.isEmpty());
    }

    /**
     * Whether {@code client} may call an unsafe endpoint.
     *
     * @param client       the peer's address
     * @param memberApiUrls the members' {@code api_url}s (only read when members are included)
     * @param checkMembers false for {@code POST /failsafe}, which Patroni checks against the allowlist only
     */
    boolean allows(InetAddress client, Collection<String> memberApiUrls, boolean checkMembers) {
        boolean members = includeMembers && checkMembers;
        if (!listed && !members) return true;
        for (Network n : networks) {
            if (n.contains(client)) return true;
        }
        if (!members) return false;
        for (String url : memberApiUrls) {
            String host = hostOf(url);
            if (host == null) continue;
            for (Network n : Network.resolve(host)) {
                if (n.contains(client)) return true;
            }
        }
        return false;
    }

    private static String hostOf(String apiUrl) {
        try {
            return apiUrl == null ? null : URI.create(apiUrl).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** An address with a prefix length. */
    record Network(byte[] address, int prefix) {
        static List<Network> parse(String entry) {
            int slash = entry.indexOf('/');
            if (slash >= 0) {
                InetAddress a = literal(entry.substring(0, slash));
                if (a == null) throw new IllegalArgumentException("restapi.allowlist: '" + entry
                        + "' is not a network (address/prefix)");
                int prefix;
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > a.getAddress().length * 8) {
                    throw new IllegalArgumentException("restapi.allowlist: '" + entry + "' has an invalid prefix");
                }
                return List.of(new Network(a.getAddress(), prefix));
            }
            return resolve(entry);
        }

        /** Every address of {@code host} (a literal or a name), each as a single-address network. */
        static List<Network> resolve(String host) {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            try {
                List<Network> out = new ArrayList<>();
                for (InetAddress a : InetAddress.getAllByName(h)) out.add(new Network(a.getAddress(),
                        a.getAddress().length * 8));
                return out;
            } catch (UnknownHostException e) {
                LOG.error("Failed to resolve {}: {}", host, e.toString());
                return List.of();
            }
        }

        /** An IP literal, never a DNS lookup; null when {@code s} is not one. */
        private static InetAddress literal(String s) {
            if (!s.matches("[0-9a-fA-F:.]+")) return null;
            try {
                return InetAddress.getByName(s);
            } catch (UnknownHostException e) {
                return null;
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != address.length) {
                b = mappedV4(b);
                if (b == null || b.length != address.length) return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != address[i]) return false;
            }
            int rest = prefix % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (address[full] & mask);
        }

        /** {@code ::ffff:a.b.c.d} as a.b.c.d. */
        private static byte[] mappedV4(byte[] b) {
            if (b.length != 16) return null;
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) return null;
            }
            if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) return null;
            return new byte[] {b[12], b[13], b[14], b[15]};
        }
    }
}
