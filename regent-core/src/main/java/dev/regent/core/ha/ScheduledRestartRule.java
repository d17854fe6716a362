package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.ClearScheduledRestart;
import dev.regent.core.ha.action.Action.RestartPostgres;
import dev.regent.core.ha.action.Action.WaitUntil;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Patroni's {@code evaluate_scheduled_restart} (§6.15), run after the normal decision of a cycle in which the cluster
 * has a leader and postgres accepts connections: drop the request when postgres was restarted since it was accepted;
 * in pause keep it without running it; wait for a request more than loop_wait ahead; drop one more than 1.5 loop_wait
 * overdue; otherwise check its filters now and restart (sleeping until the exact time first). The request is cleared
 * whenever it was acted on, before the restart starts, as Patroni's {@code finally: delete_future_restart()}.
 */
final class ScheduledRestartRule {
    private static final DateTimeFormatter PY_STR =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

    private ScheduledRestartRule() {}

    static Decision apply(Ctx c, Decision d) {
        ScheduledRestart r = c.in.scheduledRestart();
        if (r == null || !c.pg.isRunning() || busy(d)) return d;
        Instant started = c.pg.postmasterStartTime();
        if (started != null && r.postmasterStartTime() != null && !started.equals(r.postmasterStartTime())) {
            c.warnings.add("Cancelling scheduled restart: postgres restart has already happened at "
                    + PY_STR.format(started));
            return append(c, d, d.message(), new ClearScheduledRestart());
        }
        if (c.paused()) return d; // Patroni's should_run_scheduled_action: nothing scheduled runs in pause
        double delta = (r.schedule().toInstant().toEpochMilli() - c.in.wallClockMillis()) / 1000.0;
        int loopWait = c.settings.loopWaitSeconds();
        if (delta > loopWait) {
            c.warnings.add(String.format(Locale.ROOT, "Awaiting restart at %s (in %.0f seconds)", r.scheduleIso(),
                    delta));
            return d;
        }
        if (delta < -(int) (loopWait * 1.5)) {
            c.warnings.add("Found a stale restart value, cleaning up: " + r.scheduleIso());
            return append(c, d, d.message(), new ClearScheduledRestart());
        }
        String mismatch = r.conditions().mismatchReason(c.pg.runningRole(), c.pg.serverVersion(),
                c.pg.pendingRestart());
        if (mismatch != null) {
            c.warnings.add("not proceeding with the restart: " + mismatch);
            c.warnings.add("Scheduled restart: restart conditions are not satisfied");
            return append(c, d, d.message(), new ClearScheduledRestart());
        }
        List<Action> extra = new ArrayList<>();
        if (delta > 0) extra.add(new WaitUntil(r.schedule().toInstant().toEpochMilli()));
        c.warnings.add("Manual scheduled restart at " + r.scheduleIso());
        extra.add(new ClearScheduledRestart());
        extra.add(new RestartPostgres(r.timeoutSeconds()));
        // the lock holder's start is bounded by the restart timeout / primary_start_timeout (StartingRule)
        if (c.hasLock() && c.pg.isPrimary()) c.memory = c.memory.withStartingAsPrimarySince(c.in.nowMillis());
        return append(c, d, "restart initiated", extra.toArray(Action[]::new));
    }

    /** The normal decision already started something that Patroni runs asynchronously: its executor is busy. */
    private static boolean busy(Decision d) {
        return d.actions().stream().anyMatch(a -> a instanceof Action.Demote || a instanceof Action.Promote
                || a instanceof Action.Rewind || a instanceof Action.Reinitialize || a instanceof RestartPostgres
                || a instanceof Action.StartPostgres || a instanceof Action.CloneReplica
                || a instanceof Action.Bootstrap || a instanceof Action.StopPostgres
                || a instanceof Action.ReleaseLeaderLock || a instanceof Action.FatalExit);
    }

    private static Decision append(Ctx c, Decision d, String message, Action... more) {
        List<Action> actions = new ArrayList<>(d.actions());
        actions.addAll(List.of(more));
        return c.decide(message, actions);
    }
}
