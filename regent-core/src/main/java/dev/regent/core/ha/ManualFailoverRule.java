package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.ClearFailover;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.WaitUntil;
import dev.regent.core.model.Failover;
import dev.regent.core.sync.SwitchoverCatchUp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Leader side of a pending switchover/failover (Patroni's process_manual_failover_from_leader, §6.9): wait for a
 * scheduled time, drop a stale request, demote {@code graceful} when some other member can take over, otherwise
 * explain why and clear the key. The candidate side lives in {@link HealthCheck#manualFailoverNoLeader}.
 */
final class ManualFailoverRule {
    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx").withZone(ZoneOffset.UTC);

    /**
     * What the leader does about the failover key: {@code actions} go after the lock renewal; {@code demote} says the
     * cycle ends there with {@code message} (a graceful demotion was requested), otherwise normal primary processing
     * continues and the reason is in {@link Ctx#warnings} (Patroni logs it and reports "no action ...").
     */
    record Result(List<Action> actions, String message, boolean demote) {}

    private ManualFailoverRule() {}

    /** Null when there is nothing to do about the failover key in this cycle. */
    static Result fromLeader(Ctx c) {
        Failover f = c.failover();
        if (f == null || (c.paused() && !c.pg.isPrimary())) return null;
        String action = f.actionName();
        String bare = action.replace("manual ", "");
        List<Action> actions = new ArrayList<>();
        if (f.scheduledAt() != null) {
            if (c.paused()) return null; // scheduled actions are not executed in pause
            double delta = (f.scheduledAt().toEpochMilli() - c.in.wallClockMillis()) / 1000.0;
            String at = ISO.format(f.scheduledAt());
            if (delta > c.settings.loopWaitSeconds()) {
                c.warnings.add(String.format(java.util.Locale.ROOT, "Awaiting %s at %s (in %.0f seconds)",
                        bare, at, delta));
                return new Result(actions, null, false);
            }
            if (delta < -(int) (c.settings.loopWaitSeconds() * 1.5)) {
                actions.add(new ClearFailover(f.version()));
                c.warnings.add("Found a stale " + bare + " value, cleaning up: " + at);
                return new Result(actions, null, false);
            }
            if (delta > 0) actions.add(new WaitUntil(f.scheduledAt().toEpochMilli()));
        }
        String problem = problem(c, f, action, bare);
        if (problem == null) {
            actions.add(new Demote(Demote.Mode.GRACEFUL, blankToNull(f.candidate()), c.standby()));
            return new Result(actions, action + ": demoting myself", true);
        }
        actions.removeIf(a -> a instanceof WaitUntil);
        if (confirmationPending(c, f)) {
            c.warnings.add(action + ": waiting for member " + f.candidate() + " to confirm the commits acknowledged so"
                    + " far");
            return new Result(actions, null, false); // the key stays: the next cycle decides
        }
        actions.add(new ClearFailover(f.version()));
        c.warnings.add(problem);
        return new Result(actions, null, false);
    }

    /** Why the request can not be executed by me now, or null when I should demote. */
    private static String problem(Ctx c, Failover f, String action, String bare) {
        String leader = blankToNull(f.leader());
        String candidate = blankToNull(f.candidate());
        if (leader != null && !leader.equals(c.me)) {
            return action + ": leader name does not match: " + leader + " != " + c.me;
        }
        if (c.me.equals(candidate)) return action + ": I am already the leader, no need to " + bare;
        if (candidate == null && c.paused()) {
            return titleCase(action) + " is possible only to a specific candidate in a paused state";
        }
        if (!HealthCheck.isFailoverPossible(c, false)) {
            return action + ": no healthy members found, " + bare + " is not possible";
        }
        return null;
    }

    /**
     * Quorum mode, a switchover to a named candidate whose only problem is that it could not confirm yet
     * ({@link SwitchoverCatchUp#confirmationPending}): worth one more cycle rather than a refusal.
     */
    private static boolean confirmationPending(Ctx c, Failover f) {
        String candidate = blankToNull(f.candidate());
        return candidate != null && c.me.equals(blankToNull(f.leader())) && SyncRule.quorumActive(c)
                && SwitchoverCatchUp.confirmationPending(c.in.sync(), candidate);
    }

    static String formatInstant(Instant t) { return ISO.format(t); }

    private static String blankToNull(String s) { return s == null || s.isEmpty() ? null : s; }

    private static String titleCase(String s) {
        StringBuilder b = new StringBuilder();
        for (String w : s.split(" ")) {
            if (b.length() > 0) b.append(' ');
            b.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return b.toString();
    }
}
