package dev.regent.postgres;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pg_hba.conf in force while a custom bootstrap runs (Patroni's replace_pg_hba under running_custom_bootstrap):
 * the superuser's password in a restored backup is unknown, so the replication and superuser roles may connect
 * without one over the Unix socket and from the addresses of the local connection address, until the roles have
 * been set and the configured pg_hba.conf is back.
 */
final class BootstrapHba {
    private BootstrapHba() {}

    /**
     * The file's content for {@code localHost} (the host Regent connects to; a Unix socket directory adds no host
     * lines).
     */
    static String render(String localHost, String replicationUser, String superuser) {
        List<String> lines = new ArrayList<>();
        String su = superuser == null ? "all" : superuser;
        lines.add("local\treplication\t" + replicationUser + "\t\ttrust");
        lines.add("local\tall\t" + su + "\t\ttrust");
        for (String address : addresses(localHost)) {
            lines.add("host\treplication\t" + replicationUser + "\t" + address + "\ttrust");
            lines.add("host\tall\t" + su + "\t" + address + "\ttrust");
        }
        return String.join("\n", lines) + "\n";
    }

    private static Set<String> addresses(String host) {
        Set<String> out = new LinkedHashSet<>();
        if (host == null || host.isEmpty() || host.startsWith("/")) {
            return out;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                out.add(a.getHostAddress().replaceAll("%.*", "") + (a instanceof Inet6Address ? "/128" : "/32"));
            }
        } catch (UnknownHostException e) {
            throw new PostgresException("cannot resolve " + host + " for the bootstrap pg_hba.conf: " + e.getMessage());
        }
        return out;
    }
}
