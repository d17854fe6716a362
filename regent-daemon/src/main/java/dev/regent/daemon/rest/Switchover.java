package dev.regent.daemon.rest;

import dev.regent.core.ha.PeerStatus;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /switchover}, {@code POST /failover}, {@code DELETE /switchover} (§3.9), checking Patroni's condition
 * table in order. The immediate case blocks the worker thread while the loop performs the switchover; that wait is
 * measured on the real monotonic clock (not the snapshot clock), since it is a real-time bound. Thread-safe.
 */
final class Switchover {
    private static final Logger LOG = LoggerFactory.getLogger(Switchover.class);

    private final NodeControl control;
    private final Clock clock;
    private final Duration timeoutOverride;

    /** {@code timeoutOverride}: null = Patroni's {@code 2 * max(10, loop_wait)} seconds. */
    Switchover(NodeControl control, Clock clock, Duration timeoutOverride) {
        this.control = control;
        this.clock = clock;
        this.timeoutOverride = timeoutOverride;
    }

    void post(Exchange ex, String requested, NodeStatus status) throws IOException, DcsException, InterruptedException {
        Map<String, Object> body = ex.readJsonObject(false);
        String leader = text(body.get("leader"));
        String candidate = text(body.get("candidate"));
        if (candidate == null) candidate = text(body.get("member"));
        Object scheduledRaw = body.get("scheduled_at");
        ClusterView cluster = control.readCluster();
        boolean paused = cluster.isPaused();
        String action = requested;
        LOG.info("received {} request with leader={} candidate={} scheduled_at={}", action, leader, candidate,
                scheduledRaw);
        if ("failover".equals(action) && candidate == null) {
            throw HttpError.plain(400, "Failover could be performed only to a specific candidate");
        }
        if ("switchover".equals(action) && leader == null) {
            throw HttpError.plain(400, "Switchover could be performed only from a specific leader");
        }
        OffsetDateTime scheduledAt = null;
        if (scheduledRaw != null && !"".equals(scheduledRaw)) {
            if ("failover".equals(action)) throw HttpError.plain(400, "Failover can't be scheduled");
            if (paused) throw HttpError.plain(400, "Can't schedule switchover in the paused state");
            scheduledAt = Schedules.parse(scheduledRaw, action, clock);
        }
        if (paused && candidate == null) {
            throw HttpError.plain(400, "Switchover is possible only to a specific candidate in a paused state");
        }
        if ("failover".equals(action) && leader != null) {
            LOG.warn("received failover request with leader specified - performing switchover instead");
            action = "switchover";
        }
        if (leader != null && leader.equals(candidate)) {
            throw HttpError.plain(400, "Switchover target and source are the same");
        }
        if (scheduledAt == null) {
            String reason = feasibility(cluster, leader, candidate, action);
            if (reason != null) throw HttpError.plain(412, reason);
        }
        if (!control.writeFailover(request(leader, candidate, scheduledAt),
                scheduledAt == null ? null : scheduledAt.getOffset(), null)) {
            throw HttpError.plain(503, "failed to write failover key into DCS");
        }
        control.wakeUp();
        if (scheduledAt != null) {
            ex.sendText(202, capitalize(action) + " scheduled");
            return;
        }
        String previous = cluster.leader() == null ? null : cluster.leader().name();
        Duration timeout = timeoutOverride != null ? timeoutOverride
                : Duration.ofSeconds(2L * Math.max(10, status.loopWait()));
        Result r = poll(previous, candidate, action, timeout);
        ex.sendText(r.status, r.message);
    }

    private record Result(int status, String message) {}

    private Result poll(String previous, String candidate, String action, Duration timeout)
            throws InterruptedException {
        long deadline = RestApiServer.nanoMillis() + timeout.toMillis();
        String verb = "switchover".equals(action) ? "switched" : "failed";
        while (true) {
            long left = deadline - RestApiServer.nanoMillis();
            if (left <= 0) break;
            try {
                ClusterView v = control.awaitLeaderChange(previous, Duration.ofMillis(left));
                if (v.leader() != null && !v.leader().name().equals(previous)) {
                    String now = v.leader().name();
                    if (candidate == null || candidate.equals(now)) {
                        return new Result(200, "Successfully " + verb + " over to \"" + now + "\"");
                    }
                    return new Result(200, capitalize(verb) + " over to \"" + now + "\" instead of \"" + candidate
                            + "\"");
                }
                if (v.failover() == null) return new Result(503, capitalize(action) + " failed");
            } catch (DcsException e) {
                // keep polling: the DCS may answer again before the deadline
                LOG.debug("polling {} result failed: {}", action, e.getMessage());
                Thread.sleep(Math.min(200, Math.max(1, deadline - RestApiServer.nanoMillis())));
            }
        }
        return new Result(503, capitalize(action) + " status unknown after " + timeout.toSeconds()
                + " seconds; operation may still be in progress");
    }

    /** Patroni's {@code is_failover_possible}: null when some candidate can take over, else the 412 reason. */
    private String feasibility(ClusterView cluster, String leader, String candidate, String action) {
        ClusterConfig config = cluster.configOrEmpty();
        boolean strictSync = "on".equals(config.synchronousMode());
        String current = cluster.leader() == null ? null : cluster.leader().name();
        if (leader != null && !leader.equals(current)) return "leader name does not match";
        List<Member> members;
        if (candidate != null) {
            if ("switchover".equals(action) && strictSync && (cluster.sync() == null
                    || !cluster.sync().matches(candidate))) {
                return "candidate name does not match with sync_standby";
            }
            members = cluster.members().stream().filter(m -> m.name().equals(candidate)).toList();
            if (members.isEmpty()) return "candidate does not exists";
        } else if (strictSync) {
            members = cluster.members().stream()
                    .filter(m -> cluster.sync() != null && cluster.sync().matches(m.name())).toList();
            if (members.isEmpty()) return action + " is not possible: can not find sync_standby";
        } else {
            members = cluster.members().stream()
                    .filter(m -> !m.name().equals(current) && m.apiUrl() != null).toList();
            if (members.isEmpty()) return action + " is not possible: cluster does not have members except leader";
        }
        for (PeerStatus p : control.fetchPeerStatuses(members)) {
            if (p.reachable() && !p.noFailover()) return null;
        }
        return action + " is not possible: no good candidates have been found";
    }

    void delete(Exchange ex) throws IOException, DcsException {
        ClusterView cluster = control.readCluster();
        if (cluster.failover() == null || cluster.failover().scheduledAt() == null) {
            ex.sendText(404, "no switchover is scheduled");
            return;
        }
        if (!control.clearFailover(cluster.failover().version())) {
            throw HttpError.page(409, "Conflict: the failover key changed meanwhile");
        }
        ex.sendText(200, "scheduled switchover deleted");
    }

    /** The request for the {@code failover} key; the DCS codec encodes it exactly as Patroni does. */
    private static Failover request(String leader, String candidate, OffsetDateTime at) {
        return new Failover(0, leader, candidate, at == null ? null : at.toInstant());
    }

    private static String text(Object v) {
        return v == null || v.toString().isEmpty() ? null : v.toString();
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
