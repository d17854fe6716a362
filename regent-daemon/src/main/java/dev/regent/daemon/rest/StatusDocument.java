package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@code GET /patroni} document (§3.5) from a {@link NodeStatus}. Pure and thread-safe. */
final class StatusDocument {
    private static final DateTimeFormatter PY_MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter PY_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxxx").withZone(ZoneOffset.UTC);

    private StatusDocument() {}

    /** The role as {@code GET /patroni} reports it: from {@code pg_is_in_recovery()} when PostgreSQL answered. */
    static String role(NodeStatus s) {
        if (s.pg() == null) return s.role();
        if (!s.pg().inRecovery()) return "primary";
        return s.standbyCluster() && s.role() != null ? s.role() : "replica";
    }

    static boolean isSyncStandby(NodeStatus s, ClusterView cluster) {
        return isListedInSync(s, cluster) && !"quorum".equals(cluster.configOrEmpty().synchronousMode());
    }

    static boolean isQuorumStandby(NodeStatus s, ClusterView cluster) {
        return isListedInSync(s, cluster) && "quorum".equals(cluster.configOrEmpty().synchronousMode());
    }

    private static boolean isListedInSync(NodeStatus s, ClusterView cluster) {
        return cluster != null && "replica".equals(role(s)) && !"off".equals(cluster.configOrEmpty().synchronousMode())
                && cluster.sync() != null && cluster.sync().matches(s.name());
    }

    /** Python's {@code str(datetime)} for an aware UTC timestamp: {@code 2024-08-28 19:39:26.352526+00:00}. */
    static String pythonTimestamp(Instant t) {
        if (t == null) return null;
        return (t.getNano() / 1000 == 0 ? PY_SECONDS : PY_MICROS).format(t);
    }

    /** The document; {@code cluster} is the fresh DCS view or null. */
    static Map<String, Object> build(NodeStatus s, ClusterView cluster) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("state", s.state());
        if (s.pg() != null) {
            putPostgres(r, s, cluster);
        } else {
            r.put("role", s.role());
        }
        if (s.paused()) r.put("pause", true);
        if (cluster == null || cluster.isUnlocked()) r.put("cluster_unlocked", true);
        if (s.failsafeActive()) r.put("failsafe_mode_is_active", true);
        r.put("dcs_last_seen", s.dcsLastSeen() == null ? 0 : s.dcsLastSeen());
        if (!s.tags().isEmpty()) r.put("tags", s.tags());
        if (s.scheduledRestart() != null) {
            Map<String, Object> sr = new LinkedHashMap<>(s.scheduledRestart());
            sr.remove("postmaster_start_time");
            r.put("scheduled_restart", sr);
        }
        if (s.systemIdentifier() != null) r.put("database_system_identifier", s.systemIdentifier());
        if (!s.pendingRestartReason().isEmpty()) {
            r.put("pending_restart", true);
            r.put("pending_restart_reason", s.pendingRestartReason());
        }
        if (s.watchdogFailed()) r.put("watchdog_failed", true);
        List<Map<String, Object>> unsupported = UnsupportedSettingsJson.of(s.cluster());
        if (!unsupported.isEmpty()) r.put(UnsupportedSettingsJson.FIELD, unsupported);
        r.put("patroni", patroni(s));
        return r;
    }

    private static void putPostgres(Map<String, Object> r, NodeStatus s, ClusterView cluster) {
        NodeStatus.PgDetails pg = s.pg();
        r.put("postmaster_start_time", pythonTimestamp(pg.postmasterStartTime()));
        r.put("role", role(s));
        r.put("server_version", pg.serverVersion());
        r.put("xlog", xlog(pg));
        if (isSyncStandby(s, cluster)) r.put("sync_standby", true);
        if (isQuorumStandby(s, cluster)) r.put("quorum_standby", true);
        r.put("timeline", pg.timeline());
        if (pg.replicationState() != null) r.put("replication_state", pg.replicationState());
        if (!pg.replication().isEmpty()) r.put("replication", replication(pg.replication()));
    }

    private static Map<String, Object> xlog(NodeStatus.PgDetails pg) {
        Map<String, Object> x = new LinkedHashMap<>();
        if (!pg.inRecovery()) {
            x.put("location", pg.location());
            return x;
        }
        Long replayed = pg.replayedLocation();
        x.put("received_location", pg.receivedLocation() != null ? pg.receivedLocation() : replayed);
        x.put("replayed_location", replayed);
        x.put("replayed_timestamp", pythonTimestamp(pg.replayedTimestamp()));
        x.put("paused", pg.replayPaused());
        return x;
    }

    private static List<Map<String, Object>> replication(List<NodeStatus.WalSender> senders) {
        return senders.stream().map(w -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("usename", w.usename());
            m.put("application_name", w.applicationName());
            m.put("client_addr", w.clientAddr());
            m.put("state", w.state());
            m.put("sync_state", w.syncState());
            m.put("sync_priority", w.syncPriority());
            return m;
        }).toList();
    }

    private static Map<String, Object> patroni(NodeStatus s) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("version", s.version());
        p.put("scope", s.scope());
        p.put("name", s.name());
        return p;
    }
}
