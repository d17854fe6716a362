package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Tags;
import java.util.Map;

/**
 * Patroni's health-check rules (§3.3-3.4), evaluated on a published {@link NodeStatus} at a monotonic instant:
 * pure, no I/O, thread-safe. Deviation from Patroni: {@code primary} also requires PostgreSQL to be running as a
 * primary, so that a load balancer stops sending writes during a postmaster crash while the lock is still held.
 */
final class HealthCheck {
    private HealthCheck() {}

    /** The per-role codes Patroni computes before looking at the path. */
    record Codes(int primary, int standbyLeader, int leader, int replica) {}

    /** Status code for a health-check path ({@code /} is {@code /primary}) with its query parameters. */
    static int status(String rawPath, Map<String, String> query, NodeStatus s, long now) {
        String path = "/".equals(rawPath) ? "/primary" : rawPath;
        ClusterView cluster = s.freshCluster(now);
        Codes c = codes(query, s, cluster, now);
        boolean leaderPath = true;
        int code;
        if (path.contains("standby_leader") || path.contains("standby-leader")) {
            code = c.standbyLeader();
        } else if (path.contains("leader")) {
            code = c.leader();
        } else if (path.contains("primary") || path.contains("master") || path.contains("read-write")) {
            code = c.primary();
        } else {
            leaderPath = false;
            code = replicaPathStatus(path, c, s, cluster);
        }
        if (code == 200 && !leaderPath && !tagsMatch(query, s.tags())) code = 503;
        return code;
    }

    private static int replicaPathStatus(String path, Codes c, NodeStatus s, ClusterView cluster) {
        boolean leaderish = c.primary() == 200 || c.standbyLeader() == 200;
        if (path.contains("replica")) return c.replica();
        if (path.contains("read-only") && !path.contains("sync") && !path.contains("quorum")) {
            return leaderish ? 200 : c.replica();
        }
        if (path.contains("health")) return s.isRunning() ? 200 : 503;
        if (cluster == null) return 503;
        boolean sync = StatusDocument.isSyncStandby(s, cluster);
        boolean quorum = StatusDocument.isQuorumStandby(s, cluster);
        switch (path) {
            case "/sync", "/synchronous":
                return sync ? c.replica() : 503;
            case "/quorum":
                return quorum ? c.replica() : 503;
            case "/async", "/asynchronous":
                return !sync && !quorum ? c.replica() : 503;
            case "/read-only-sync", "/read-only-synchronous":
                return leaderish ? 200 : sync ? c.replica() : 503;
            case "/read-only-quorum":
                return leaderish ? 200 : quorum ? c.replica() : 503;
            default:
                return 503;
        }
    }

    static Codes codes(Map<String, String> query, NodeStatus s, ClusterView cluster, long now) {
        String role = StatusDocument.role(s);
        int replica = replicaCode(query, s, cluster, role);
        if (cluster == null && s.paused()) {
            // DCS unreachable in maintenance mode: Patroni trusts the PostgreSQL role alone
            int primary = "primary".equals(role) ? 200 : 503;
            int standby = "standby_leader".equals(role) ? 200 : 503;
            int leader = primary == 200 || standby == 200 ? 200 : 503;
            return new Codes(primary, standby, leader, replica);
        }
        if (!s.leaderLockValid(now)) return new Codes(503, 503, 503, replica);
        if (s.standbyCluster()) {
            int standby = "replica".equals(role) || "standby_leader".equals(role) ? 200 : 503;
            return new Codes(503, standby, 200, 503);
        }
        int primary = s.isRunning() && "primary".equals(role) ? 200 : 503;
        return new Codes(primary, 503, 200, replica);
    }

    private static int replicaCode(Map<String, String> query, NodeStatus s, ClusterView cluster, String role) {
        if (Tags.isTrue(s.tags().get("noloadbalance"))) return 503;
        if (!s.isRunning() || !"replica".equals(role)) return 503;
        String wanted = query.get("replication_state");
        String actual = s.pg() == null ? null : s.pg().replicationState();
        if (wanted != null && !wanted.equals(actual)) return 503;
        long maxLag = Sizes.parseBytes(query.get("lag"), Long.MAX_VALUE);
        return isLagging(s, cluster, maxLag, false) ? 503 : 200;
    }

    /** Reference LSN: max of the DCS {@code /status} optime (fresh view only) and the wal receiver's end LSN. */
    static long referenceLsn(NodeStatus s, ClusterView cluster) {
        long optime = cluster == null ? 0 : cluster.status().optime();
        Long end = s.pg() == null ? null : s.pg().latestEndLsn();
        return Math.max(optime, end == null ? 0 : end);
    }

    private static boolean isLagging(NodeStatus s, ClusterView cluster, long maxLag, boolean useReceived) {
        long reference = referenceLsn(s, cluster);
        if (reference <= 0 || maxLag == Long.MAX_VALUE) return false;
        long position = position(s, useReceived);
        return reference - position > maxLag;
    }

    private static long position(NodeStatus s, boolean useReceived) {
        if (s.pg() == null) return 0;
        Long received = s.pg().receivedLocation();
        Long replayed = s.pg().replayedLocation();
        Long v = useReceived && received != null ? received : replayed;
        return v == null ? 0 : v;
    }

    /** {@code tag_<key>=<value>}: every given tag must exist with that value (non-strings compared lower-case). */
    static boolean tagsMatch(Map<String, String> query, Map<String, Object> tags) {
        for (Map.Entry<String, String> q : query.entrySet()) {
            if (!q.getKey().startsWith("tag_")) continue;
            Object actual = tags.get(q.getKey().substring(4));
            if (actual == null) return false;
            String text = actual instanceof String str ? str : String.valueOf(actual).toLowerCase();
            if (!text.equals(q.getValue())) return false;
        }
        return true;
    }

    /** {@code /liveness}: paused, or the next HA cycle is due within ttl (running primary) or 2*ttl (others). */
    static int liveness(NodeStatus s, long now) {
        if (s.paused()) return 200;
        boolean primary = s.isRunning() && "primary".equals(StatusDocument.role(s));
        long threshold = (primary ? 1L : 2L) * s.ttl() * 1000L;
        return s.nextCycleAt() + threshold > now ? 200 : 503;
    }

    /** {@code /readiness?lag=&mode=apply|write} (Patroni 4.1). */
    static int readiness(Map<String, String> query, NodeStatus s, long now) {
        if (s.leaderLockValid(now)) return 200;
        if (!s.isRunning() || s.pg() == null || !"streaming".equals(s.pg().replicationState())) return 503;
        long reference = referenceLsn(s, s.freshCluster(now));
        if (reference <= 0) return s.failsafeActive() ? 200 : 503;
        long maxLag = Sizes.parseBytes(query.get("lag"), s.maximumLagOnFailover());
        boolean write = "write".equals(query.get("mode"));
        return reference - position(s, write) <= maxLag ? 200 : 503;
    }
}
