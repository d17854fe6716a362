package dev.regent.dcs.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Connection settings parsed from Patroni's {@code zookeeper} section: {@code hosts}, a list or a comma-separated
 * string of {@code host[:port]} (port 2181 when left out), joined into ZooKeeper's connect string as Patroni hands
 * it to kazoo. Immutable.
 *
 * @param hosts    {@code host:port} entries in the configured order
 * @param security {@code set_acls} and {@code auth_data}
 * @param tls      {@code use_ssl} and its files, or null for plain TCP
 */
public record ZooKeeperConfig(List<String> hosts, ZooKeeperSecurity security, ZooKeeperTls tls) {
    static final String SECTION = "zookeeper";
    static final int DEFAULT_PORT = 2181;

    public ZooKeeperConfig {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) throw new IllegalArgumentException(SECTION + ".hosts is empty");
    }

    /** Parse a {@code zookeeper} section; {@link IllegalArgumentException} names the offending key. */
    public static ZooKeeperConfig fromMap(Map<String, Object> section) {
        Object hosts = section.get("hosts");
        if (hosts == null) throw new IllegalArgumentException(SECTION + ".hosts is required");
        return new ZooKeeperConfig(hosts(SECTION + ".hosts", hosts, DEFAULT_PORT),
                ZooKeeperSecurity.fromMap(SECTION, section), ZooKeeperTls.fromMap(SECTION, section));
    }

    /** ZooKeeper's connect string, e.g. {@code zk1:2181,zk2:2181}. */
    public String connectString() {
        return String.join(",", hosts);
    }

    /** A list or comma-separated string of {@code host[:port]}; entries without a port get {@code defaultPort}. */
    static List<String> hosts(String path, Object value, int defaultPort) {
        List<String> raw = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(v -> raw.add(String.valueOf(v).strip()));
        } else if (value instanceof String s) {
            for (String h : s.split(",")) raw.add(h.strip());
        } else {
            throw new IllegalArgumentException(path + " must be a list or a comma-separated string");
        }
        List<String> out = new ArrayList<>();
        for (String h : raw) {
            if (h.isEmpty()) continue;
            out.add(hostPort(path, h, defaultPort));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(path + " is empty");
        return out;
    }

    private static String hostPort(String path, String entry, int defaultPort) {
        int colon = entry.lastIndexOf(':');
        boolean bracketed = entry.startsWith("[");
        if (colon < 0 || bracketed && entry.endsWith("]")) return entry + ":" + defaultPort;
        String host = entry.substring(0, colon);
        String port = entry.substring(colon + 1);
        try {
            int p = Integer.parseInt(port);
            if (host.isEmpty() || p < 1 || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path + ": '" + entry + "' is not host:port");
        }
        return entry;
    }
}
