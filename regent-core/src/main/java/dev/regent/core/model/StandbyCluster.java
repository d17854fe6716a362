package dev.regent.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The {@code standby_cluster} section of the dynamic configuration while it is active (Patroni's
 * {@code is_standby_cluster}: {@code host}, {@code port} or {@code restore_command} set). The lock holder of such a
 * cluster is its <em>standby leader</em>: it replicates from the remote primary ({@code host}/{@code port}, through
 * {@code primary_slot_name} when given) and/or restores WAL by {@code restore_command}; nobody is promoted.
 *
 * @param host                   remote primary's host: a name, an address, or a Unix socket directory (starting
 *                               with {@code /}); a comma-separated list of them; null when not streaming
 * @param port                   remote primary's port, or a comma-separated list of one port per host (libpq's
 *                               form); spaces dropped; null for libpq's default
 * @param primarySlotName        slot on the remote primary; null: no slot (Patroni sets no_replication_slot when the
 *                               key is absent)
 * @param restoreCommand         restore_command of every member of the standby cluster, null when none
 * @param archiveCleanupCommand  archive_cleanup_command of every member, null when none
 * @param recoveryMinApplyDelay  recovery_min_apply_delay of the standby leader only, null when none
 * @param createReplicaMethods   methods the standby leader's first clone runs ({@code [basebackup]} when absent)
 */
public record StandbyCluster(String host, String port, String primarySlotName, String restoreCommand,
                             String archiveCleanupCommand, String recoveryMinApplyDelay,
                             List<String> createReplicaMethods) {
    public StandbyCluster {
        createReplicaMethods = createReplicaMethods == null || createReplicaMethods.isEmpty()
                ? List.of("basebackup") : List.copyOf(createReplicaMethods);
    }

    /** The active {@code standby_cluster} section of {@code config}, or null when absent or inactive. */
    public static StandbyCluster of(ClusterConfig config) {
        Object section = config == null ? null : config.data().get("standby_cluster");
        if (!(section instanceof Map<?, ?> m)) return null;
        String host = text(m.get("host"));
        String port = port(m.get("port"));
        String restore = text(m.get("restore_command"));
        if (host == null && port == null && restore == null) return null;
        return new StandbyCluster(host, port, text(m.get("primary_slot_name")), restore,
                text(m.get("archive_cleanup_command")), text(m.get("recovery_min_apply_delay")),
                methods(m.get("create_replica_methods")));
    }

    /** The standby leader streams from the remote primary (host or port given); else it only restores from WAL. */
    public boolean streams() {
        return host != null || port != null;
    }

    /**
     * {@code postgres://host:port/postgres} of the remote primary (host defaults to localhost and port to 5432, as
     * libpq's), or null when the standby cluster does not stream. A comma-separated {@code host} gives libpq's
     * multi-host form, {@code postgres://h1:port,h2:port/postgres}, spaces around the hosts and empty entries dropped,
     * IPv6 addresses in brackets; {@code port} is then either one port for every host or a comma-separated list with
     * one port per host, paired in order (libpq's rule). A Unix socket directory (a host starting with {@code /}) is
     * percent-encoded, as libpq's URIs write it ({@code %2Fvar%2Frun%2Fpostgresql}). libpq tries the hosts in order;
     * the postgres module asks for the read-write one where Patroni does (primary_conninfo with a slot, pg_rewind).
     *
     * @throws IllegalArgumentException naming the {@code standby_cluster} key and value that libpq would refuse: a
     *                                  port that is not a number in 1-65535, or a port list whose length matches
     *                                  neither one nor the number of hosts
     */
    public String connUrl() {
        if (!streams()) return null;
        List<String> hosts = new ArrayList<>();
        for (String h : (host == null ? "localhost" : host).split(",")) {
            String t = h.trim();
            if (!t.isEmpty()) hosts.add(t);
        }
        if (hosts.isEmpty()) hosts.add("localhost");
        List<Integer> ports = ports();
        if (ports.size() != 1 && ports.size() != hosts.size()) {
            throw new IllegalArgumentException("standby_cluster.port '" + port + "' gives " + ports.size()
                    + " ports for " + hosts.size() + " hosts in standby_cluster.host '" + host
                    + "': give one port for every host, or a single port");
        }
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            int p = ports.get(ports.size() == 1 ? 0 : i);
            servers.add(urlHost(hosts.get(i)) + ":" + p);
        }
        return "postgres://" + String.join(",", servers) + "/postgres";
    }

    /** The ports of {@code port} in order ({@code [5432]} when unset). */
    private List<Integer> ports() {
        if (port == null) return List.of(5432);
        List<Integer> out = new ArrayList<>();
        for (String p : port.split(",", -1)) {
            String t = p.trim();
            int n;
            try {
                n = t.isEmpty() ? 5432 : Integer.parseInt(t);  // libpq: an empty entry is the default port
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 65535) {
                throw new IllegalArgumentException("standby_cluster.port '" + port + "': '" + t
                        + "' is not a port number (1-65535)");
            }
            out.add(n);
        }
        return out;
    }

    /** The UTF-8 bytes of one code point (the core module stays clear of java.nio). */
    private static int[] utf8(int cp) {
        if (cp < 0x80) return new int[] {cp};
        if (cp < 0x800) return new int[] {0xC0 | cp >> 6, 0x80 | cp & 0x3F};
        if (cp < 0x10000) return new int[] {0xE0 | cp >> 12, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F};
        return new int[] {0xF0 | cp >> 18, 0x80 | cp >> 12 & 0x3F, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F};
    }

    /** A host as a URI writes it: IPv6 in brackets, a socket directory percent-encoded. */
    private static String urlHost(String h) {
        if (h.startsWith("/")) {
            StringBuilder sb = new StringBuilder();
            h.codePoints().forEach(cp -> {
                boolean unreserved = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
                        || "-._~".indexOf(cp) >= 0;
                if (unreserved) {
                    sb.appendCodePoint(cp);
                } else {
                    for (int b : utf8(cp)) sb.append('%').append(String.format("%02X", b));
                }
            });
            return sb.toString();
        }
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /**
     * The recovery settings the standby cluster imposes: {@code restore_command} and {@code archive_cleanup_command}
     * on every member, plus {@code recovery_min_apply_delay} on the node following the remote primary (Patroni's
     * build_recovery_params). Only the keys that are set.
     */
    public Map<String, String> recoverySettings(boolean remote) {
        java.util.TreeMap<String, String> out = new java.util.TreeMap<>();
        if (restoreCommand != null) out.put("restore_command", restoreCommand);
        if (archiveCleanupCommand != null) out.put("archive_cleanup_command", archiveCleanupCommand);
        if (remote && recoveryMinApplyDelay != null) out.put("recovery_min_apply_delay", recoveryMinApplyDelay);
        return Collections.unmodifiableMap(out);
    }

    /** The keys that are set, e.g. {@code StandbyCluster[host=10.0.0.9, port=5433]} (decider scenarios print it). */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (host != null) parts.add("host=" + host);
        if (port != null) parts.add("port=" + port);
        if (primarySlotName != null) parts.add("primarySlotName=" + primarySlotName);
        if (restoreCommand != null) parts.add("restoreCommand=" + restoreCommand);
        if (archiveCleanupCommand != null) parts.add("archiveCleanupCommand=" + archiveCleanupCommand);
        if (recoveryMinApplyDelay != null) parts.add("recoveryMinApplyDelay=" + recoveryMinApplyDelay);
        if (!createReplicaMethods.equals(List.of("basebackup"))) {
            parts.add("createReplicaMethods=" + createReplicaMethods);
        }
        return "StandbyCluster[" + String.join(", ", parts) + "]";
    }

    private static String text(Object v) {
        if (v == null) return null;
        String s = v.toString();
        return s.isEmpty() ? null : s;
    }

    /** The port text, spaces dropped ({@code 5433} read from YAML as a number prints without a fraction). */
    private static String port(Object v) {
        if (v == null || v.toString().isBlank()) return null;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return Long.toString(n.longValue());
        return v.toString().replace(" ", "");
    }

    private static List<String> methods(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) if (o != null && !o.toString().isBlank()) out.add(o.toString());
        } else if (v != null && !v.toString().isBlank()) {
            out.add(v.toString());
        }
        return out;
    }
}
