package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /cluster} and {@code GET /history} documents (Patroni's {@code cluster_as_json}). Pure. */
final class ClusterJson {
    private ClusterJson() {}

    /** Patroni's {@code format_lsn}: {@code X/Y}, upper-case hex of the high and low 32 bits. */
    static String formatLsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    static Map<String, Object> cluster(ClusterView view, String scope, boolean standbyCluster) {
        ClusterConfig config = view.configOrEmpty();
        String leader = view.leader() == null ? null : view.leader().name();
        String syncMode = config.synchronousMode();
        List<Map<String, Object>> members = new ArrayList<>();
        for (Member m : view.members()) {
            String role;
            if (m.name().equals(leader)) {
                role = standbyCluster ? "standby_leader" : "leader";
            } else if (!"off".equals(syncMode) && view.sync() != null && view.sync().matches(m.name())) {
                role = "quorum".equals(syncMode) ? "quorum_standby" : "sync_standby";
            } else {
                role = "replica";
            }
            members.add(member(m, role, m.name().equals(leader), view.status().optime()));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("members", members);
        r.put("scope", scope);
        if (config.isPaused()) r.put("pause", true);
        Failover f = view.failover();
        if (f != null && f.scheduledAt() != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("at", Schedules.isoFormat(f.scheduledAt()));
            if (f.leader() != null && !f.leader().isEmpty()) s.put("from", f.leader());
            if (f.candidate() != null && !f.candidate().isEmpty()) s.put("to", f.candidate());
            r.put("scheduled_switchover", s);
        }
        return r;
    }

    private static Map<String, Object> member(Member m, String role, boolean isLeader, long clusterLsn) {
        MemberData d = m.data();
        String state = !"leader".equals(role) && d.replicationState() != null && !d.replicationState().isEmpty()
                ? d.replicationState() : d.state();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", m.name());
        r.put("role", role);
        r.put("state", state == null ? "" : state);
        r.put("api_url", d.apiUrl());
        putHostPort(r, d.connUrl());
        if (d.timeline() != null) r.put("timeline", d.timeline());
        if (d.pendingRestart() != null) r.put("pending_restart", d.pendingRestart());
        if (d.pendingRestartReason() != null) r.put("pending_restart_reason", d.pendingRestartReason());
        if (d.scheduledRestart() != null) r.put("scheduled_restart", d.scheduledRestart());
        if (!d.tags().isEmpty()) r.put("tags", d.tags());
        if (!isLeader) {
            putLag(r, "lsn", "lag", d.xlogLocation(), clusterLsn);
            putLag(r, "receive_lsn", "receive_lag", d.receiveLsn(), clusterLsn);
            putLag(r, "replay_lsn", "replay_lag", d.replayLsn(), clusterLsn);
        }
        return r;
    }

    private static void putLag(Map<String, Object> r, String lsnKey, String lagKey, Long lsn, long clusterLsn) {
        if (lsn == null) {
            r.put(lagKey, "unknown");
            return;
        }
        r.put(lsnKey, formatLsn(lsn));
        r.put(lagKey, Math.max(0, clusterLsn - lsn));
    }

    /** Host and port from {@code postgres://[user:pass@]host:port/db}; nothing when unparsable. */
    private static void putHostPort(Map<String, Object> r, String connUrl) {
        if (connUrl == null) return;
        try {
            URI uri = URI.create(connUrl);
            if (uri.getHost() == null) return;
            String host = uri.getHost();
            r.put("host", host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
            if (uri.getPort() > 0) r.put("port", uri.getPort());
        } catch (IllegalArgumentException e) {
            // a garbage conn_url is shown without host/port, as Patroni does
        }
    }

    /** {@code [[timeline, lsn, reason, timestamp, new_leader], ...]}; the last two omitted when absent. */
    static List<List<Object>> history(ClusterView view) {
        List<List<Object>> out = new ArrayList<>();
        for (TimelineHistory.Entry e : view.history().entries()) {
            List<Object> row = new ArrayList<>(List.of(e.timeline(), e.lsn(), e.reason() == null ? "" : e.reason()));
            if (e.timestamp() != null) {
                row.add(e.timestamp());
                if (e.newLeader() != null) row.add(e.newLeader());
            }
            out.add(row);
        }
        return out;
    }
}
