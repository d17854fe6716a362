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
 * @param host                   remote primary's host (may be a comma-separated list), null when not streaming
 * @param port                   remote primary's port, null for libpq's default
 * @param primarySlotName        slot on the remote primary; null: no slot (Patroni sets no_replication_slot when the
 *                               key is absent)
 * @param restoreCommand         restore_command of every member of the standby cluster, null when none
 * @param archiveCleanupCommand  archive_cleanup_command of every member, null when none
 * @param recoveryMinApplyDelay  recovery_min_apply_delay of the standby leader only, null when none
 * @param createReplicaMethods   methods the standby leader's first clone runs ({@code [basebackup]} when absent)
 */
public record StandbyCluster(String host, Integer port, String primarySlotName, String restoreCommand,
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
        Integer port = port(m.get("port"));
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
     * multi-host form, {@code postgres://h1:port,h2:port/postgres}: every host with the one port, spaces around the
     * hosts and empty entries dropped, IPv6 addresses in brackets. libpq tries them in order; the postgres module asks
     * for the read-write one where Patroni does (primary_conninfo with a slot, pg_rewind).
     */
    public String connUrl() {
        if (!streams()) return null;
        int p = port == null ? 5432 : port;
        List<String> servers = new ArrayList<>();
        for (String h : (host == null ? "localhost" : host).split(",")) {
            String t = h.trim();
            if (t.isEmpty()) continue;
            servers.add((t.contains(":") && !t.startsWith("[") ? "[" + t + "]" : t) + ":" + p);
        }
        if (servers.isEmpty()) servers.add("localhost:" + p);
        return "postgres://" + String.join(",", servers) + "/postgres";
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

    private static Integer port(Object v) {
        if (v == null || v.toString().isBlank()) return null;
        try {
            return (int) Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            return null;
        }
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
