package dev.regent.daemon.rest;

import dev.regent.core.ha.ManualFailoverFeasibility;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.dcs.DcsException;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /switchover}, {@code POST /failover}, {@code DELETE /switchover} (§3.9), checking Patroni's condition
 * table in order. The immediate case blocks the worker thread while the loop performs the switchover; that wait is
 * measured on the wait ticker (the real monotonic clock in production, not the snapshot clock), since it is a
 * real-time bound. Thread-safe.
 */
final class Switchover {
    private static final Logger LOG = LoggerFactory.getLogger(Switchover.class);

    private final NodeControl control;
    private final Clock clock;
    private final Duration timeoutOverride;
    private final Ticker waitTicker;
    private final Sleeper sleeper;

    /** {@code timeoutOverride}: null = Patroni's {@code 2 * max(10, loop_wait)} seconds. */
    Switchover(NodeControl control, Clock clock, Duration timeoutOverride, Ticker waitTicker, Sleeper sleeper) {
        this.waitTicker = waitTicker;
        this.sleeper = sleeper;
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
        LOG.info("received {} request with leader={} candidate={} scheduled_at={}", requested, leader, candidate,
                scheduledRaw);
        boolean scheduled = scheduledRaw != null && !"".equals(scheduledRaw);
        OffsetDateTime scheduledAt = null;
        ManualFailoverFeasibility.Refusal scheduleProblem = null;
        if (scheduled) {
            // parsed up front; the rules decide whether its error answers (only when no earlier condition does)
            try {
                scheduledAt = Schedules.parse(scheduledRaw, requested, clock);
            } catch (HttpError e) {
                scheduleProblem = new ManualFailoverFeasibility.Refusal(e.status, e.getMessage());
            }
        }
        ManualFailoverFeasibility.Verdict verdict = ManualFailoverFeasibility.check(
                new ManualFailoverFeasibility.Request(requested, leader, candidate, scheduled), paused,
                scheduleProblem);
        if (verdict.warning() != null) LOG.warn(verdict.warning());
        refuse(verdict.refusal());
        String action = verdict.action();
        if (scheduledAt == null) {
            refuse(feasibility(cluster, leader, candidate, action));
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
        Deadline deadline = Deadline.after(waitTicker, timeout);
        String verb = "switchover".equals(action) ? "switched" : "failed";
        while (!deadline.expired()) {
            try {
                ClusterView v = control.awaitLeaderChange(previous, deadline.remaining());
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
                sleeper.sleep(Duration.ofMillis(Math.max(1, deadline.cap(Duration.ofMillis(200)).toMillis())));
            }
        }
        return new Result(503, capitalize(action) + " status unknown after " + timeout.toSeconds()
                + " seconds; operation may still be in progress");
    }

    /** Patroni's {@code is_failover_possible}: null when some candidate can take over, else the 412 refusal. */
    private ManualFailoverFeasibility.Refusal feasibility(ClusterView cluster, String leader, String candidate,
                                                          String action) {
        ManualFailoverFeasibility.Candidates c = ManualFailoverFeasibility.candidates(cluster, leader, candidate,
                action);
        if (c.refusal() != null) return c.refusal();
        return ManualFailoverFeasibility.judge(control.fetchPeerStatuses(c.toAsk()), action);
    }

    private static void refuse(ManualFailoverFeasibility.Refusal refusal) {
        if (refusal != null) throw HttpError.plain(refusal.status(), refusal.message());
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
