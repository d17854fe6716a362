package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Tags;
import java.util.Map;

/** Prometheus text for {@code GET /metrics} with Patroni's metric names and {@code {scope,name}} labels (§3.7). */
final class Metrics {
    /** Patroni's frozen numbering of {@code patroni_postgres_state}. */
    private static final Map<String, Integer> STATES = Map.ofEntries(Map.entry("initializing new cluster", 0),
            Map.entry("initdb failed", 1), Map.entry("running custom bootstrap script", 2),
            Map.entry("custom bootstrap failed", 3), Map.entry("creating replica", 4), Map.entry("running", 5),
            Map.entry("starting", 6), Map.entry("bootstrap started", 7), Map.entry("start failed", 8),
            Map.entry("restarting", 9), Map.entry("restart failed", 10), Map.entry("stopping", 11),
            Map.entry("stopped", 12), Map.entry("stop failed", 13), Map.entry("crashed", 14));

    private final StringBuilder out = new StringBuilder(4096);
    private final String labels;

    private Metrics(NodeStatus s) {
        labels = "{scope=\"" + escape(s.scope()) + "\",name=\"" + escape(s.name()) + "\"}";
    }

    static String render(NodeStatus s, ClusterView cluster, long now) {
        return render(s, cluster, now, Map.of());
    }

    /**
     * Patroni's metrics, then Regent's own ({@code regent_*}): {@code regent_decisions_total{kind=...}}, the decisions
     * the decision ledger recorded since the process started, one sample per kind (zeros included, so that rates work
     * from the first scrape).
     */
    static String render(NodeStatus s, ClusterView cluster, long now, Map<String, Long> decisionCounts) {
        Metrics m = new Metrics(s);
        m.write(s, cluster, now);
        m.decisions(decisionCounts);
        return m.out.toString();
    }

    private void decisions(Map<String, Long> counts) {
        if (counts.isEmpty()) return;
        String name = "regent_decisions_total";
        out.append("# HELP ").append(name).append(" HA decisions that changed something, by kind (decision ledger).\n");
        out.append("# TYPE ").append(name).append(" counter\n");
        String base = labels.substring(0, labels.length() - 1);
        counts.forEach((kind, n) -> out.append(name).append(base).append(",kind=\"").append(escape(kind))
                .append("\"} ").append(n).append('\n'));
    }

    private void write(NodeStatus s, ClusterView cluster, long now) {
        NodeStatus.PgDetails pg = s.pg();
        String role = StatusDocument.role(s);
        boolean replica = pg != null && pg.inRecovery();
        HealthCheck.Codes codes = HealthCheck.codes(Map.of(), s, cluster, now);
        gauge("patroni_version", "Patroni semver without periods.", semver(s.version()));
        gauge("patroni_postgres_running", "Value is 1 if Postgres is running, 0 otherwise.", s.isRunning() ? 1 : 0);
        gauge("patroni_postmaster_start_time", "Epoch seconds since Postgres started.",
                pg == null || pg.postmasterStartTime() == null ? "0" : epoch(pg.postmasterStartTime()));
        gauge("patroni_primary", "Value is 1 if this node is the leader, 0 otherwise.", codes.primary() == 200 ? 1 : 0);
        gauge("patroni_xlog_location", "Current location of the Postgres transaction log, 0 if this node is not the "
                + "leader.", pg != null && !pg.inRecovery() ? pg.location() : 0);
        gauge("patroni_standby_leader", "Value is 1 if this node is the standby_leader, 0 otherwise.",
                codes.standbyLeader() == 200 ? 1 : 0);
        gauge("patroni_replica", "Value is 1 if this node is a replica, 0 otherwise.", "replica".equals(role) ? 1 : 0);
        gauge("patroni_sync_standby", "Value is 1 if this node is a sync standby, 0 otherwise.",
                StatusDocument.isSyncStandby(s, cluster) ? 1 : 0);
        gauge("patroni_quorum_standby", "Value is 1 if this node is a quorum standby, 0 otherwise.",
                StatusDocument.isQuorumStandby(s, cluster) ? 1 : 0);
        gauge("patroni_xlog_received_location", "Current location of the received Postgres transaction log, 0 if "
                + "this node is not a replica.", replica ? orZero(pg.receivedLocation(), pg.replayedLocation()) : 0);
        gauge("patroni_xlog_replayed_location", "Current location of the replayed Postgres transaction log, 0 if "
                + "this node is not a replica.", replica ? orZero(pg.replayedLocation(), null) : 0);
        gauge("patroni_xlog_replayed_timestamp", "Current timestamp of the replayed Postgres transaction log, 0 if "
                + "null.", replica && pg.replayedTimestamp() != null ? epoch(pg.replayedTimestamp()) : "0");
        gauge("patroni_xlog_paused", "Value is 1 if the Postgres xlog is paused, 0 otherwise.",
                replica && pg.replayPaused() ? 1 : 0);
        String replState = pg == null ? null : pg.replicationState();
        gauge("patroni_postgres_streaming", "Value is 1 if Postgres is streaming, 0 otherwise.",
                "streaming".equals(replState) ? 1 : 0);
        gauge("patroni_postgres_in_archive_recovery", "Value is 1 if Postgres is replicating from archive, "
                + "0 otherwise.", "in archive recovery".equals(replState) ? 1 : 0);
        gauge("patroni_postgres_server_version", "Version of Postgres (if running), 0 otherwise.",
                pg == null ? 0 : pg.serverVersion());
        gauge("patroni_cluster_unlocked", "Value is 1 if the cluster is unlocked, 0 if locked.",
                cluster == null || cluster.isUnlocked() ? 1 : 0);
        writeFailsafe(s, cluster);
        sample("patroni_postgres_timeline", "Postgres timeline of this node (if running), 0 otherwise.", "counter",
                String.valueOf(pg == null ? 0 : pg.timeline()));
        gauge("patroni_dcs_last_seen", "Epoch timestamp when DCS was last contacted successfully by Patroni.",
                s.dcsLastSeen() == null ? 0 : s.dcsLastSeen());
        gauge("patroni_pending_restart", "Value is 1 if the node needs a restart, 0 otherwise.",
                s.pendingRestartReason().isEmpty() ? 0 : 1);
        gauge("patroni_is_paused", "Value is 1 if auto failover is disabled, 0 otherwise.", s.paused() ? 1 : 0);
        gauge("patroni_postgres_state", "Numeric representation of Postgres state.",
                STATES.getOrDefault(s.state(), -1));
        gauge("patroni_failover_priority", "Value is 0 or less if a node is not allowed to become the leader.",
                Tags.failoverPriority(s.tags()));
    }

    private void writeFailsafe(NodeStatus s, ClusterView cluster) {
        gauge("patroni_failsafe_mode_is_active", "Value is 1 if failsafe mode is active, 0 if inactive.",
                s.failsafeActive() ? 1 : 0);
        boolean enabled = cluster != null && cluster.configOrEmpty().boolValue("failsafe_mode", false);
        gauge("patroni_failsafe_mode_enabled", "Value is 1 if failsafe mode is enabled, 0 if disabled.",
                enabled ? 1 : 0);
        boolean member = cluster != null && cluster.failsafe() != null && cluster.failsafe().containsKey(s.name());
        gauge("patroni_failsafe_member", "Value is 1 if this node is a member of the failsafe topology, 0 otherwise.",
                member ? 1 : 0);
    }

    private void gauge(String name, String help, long value) {
        sample(name, help, "gauge", String.valueOf(value));
    }

    private void gauge(String name, String help, String value) {
        sample(name, help, "gauge", value);
    }

    private void sample(String name, String help, String type, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    private static long orZero(Long a, Long b) {
        return a != null ? a : b != null ? b : 0;
    }

    private static String epoch(java.time.Instant t) {
        return String.format(java.util.Locale.ROOT, "%.6f", t.getEpochSecond() + t.getNano() / 1e9);
    }

    /** {@code 4.1.4} -> {@code 040104}, Patroni's zero-padded digits. */
    static String semver(String version) {
        StringBuilder b = new StringBuilder();
        for (String part : version.split("\\.")) {
            String digits = part.replaceAll("\\D.*", "");
            b.append(digits.length() < 2 ? "0".repeat(2 - digits.length()) + digits : digits);
        }
        return b.length() == 0 ? "0" : b.toString();
    }

    private static String escape(String v) {
        return v == null ? "" : v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
