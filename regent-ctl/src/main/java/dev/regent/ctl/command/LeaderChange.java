package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.RestClient;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What switchover and failover share (patronictl's {@code _do_failover_or_switchover}): asks for what is missing
 * unless forced, confirms, then POSTs {@code /switchover} or {@code /failover} to the leader (or to the candidate when
 * there is no leader); when no member API answers it writes the {@code failover} key itself, as patronictl does.
 */
abstract class LeaderChange extends CtlCommand {
    /** patronictl's {@code _do_failover_or_switchover}. */
    void run(String action, String clusterArg, String cand, boolean forced, String from, String when)
            throws Exception {
        CtlContext ctx = ctx();
        String name = ctx.clusterName(clusterArg);
        ClusterView c = ctx.load(name);
        out().println("Current cluster topology");
        printMembers(c, name);
        String current = c.leader() == null ? null : c.leader().name();
        if (action.equals("switchover")) {
            if (current == null) throw new CtlException("This cluster has no leader");
            if (from == null) {
                boolean standby = "standby_leader".equals(leaderMember(c).data().normalizedRole());
                from = forced ? current : ctx.prompter().prompt(standby ? "Standby Leader" : "Primary", current);
            }
            if (!from.equals(current)) {
                throw new CtlException("Member " + from + " is not the leader of cluster " + name);
            }
        }
        List<String> candidates = c.members().stream().filter(m -> !m.name().equals(current) && !m.noFailover())
                .map(Member::name).sorted().toList();
        if (candidates.isEmpty()) throw new CtlException("No candidates found to " + action + " to");
        if (cand == null && !forced) {
            cand = ctx.prompter().prompt("Candidate " + pyList(candidates), "");
        }
        if (cand != null && cand.isEmpty()) cand = null;
        if (action.equals("failover") && cand == null) {
            throw new CtlException("Failover could be performed only to a specific candidate");
        }
        if (cand != null && !candidates.contains(cand)) {
            if (cand.equals(current)) throw new CtlException("Member " + cand + " is already the leader of cluster "
                    + name);
            throw new CtlException("Member " + cand + " does not exist in cluster " + name
                    + " or is tagged as nofailover");
        }
        if (!forced && action.equals("failover") && !"off".equals(c.configOrEmpty().synchronousMode())
                && c.sync() != null && !c.sync().syncStandbys().isEmpty() && !c.sync().syncStandbys().contains(cand)
                && !ctx.prompter().confirm("Are you sure you want to failover to the asynchronous node " + cand + "?",
                        false)) {
            throw new CtlException("Aborting " + action);
        }
        String scheduledAt = null;
        if (action.equals("switchover")) {
            if (when == null && !forced) {
                when = ctx.prompter().prompt("When should the switchover take place (e.g. "
                        + Scheduled.nextHour(ctx.deps().now()) + " ) ", "now");
            }
            scheduledAt = Scheduled.parse(when);
            if (scheduledAt != null && c.isPaused()) {
                throw new CtlException("Can't schedule switchover in the paused state");
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("candidate", cand);
        if (action.equals("switchover")) body.put("leader", from);
        if (scheduledAt != null) body.put("scheduled_at", scheduledAt);
        confirm(action, name, current, scheduledAt, forced);
        Member target = current != null ? leaderMember(c) : c.member(cand).orElseThrow();
        RestClient.Reply r;
        try {
            r = call(target, "POST", action, body, LONG_REST_TIMEOUT);
        } catch (IOException e) {
            out().println(ctx.timestamp(6) + " Could not " + action + " using Patroni api, falling back to DCS");
            fallBackToDcs(name, from, cand, scheduledAt);
            printMembers(ctx.load(name), name);
            return;
        }
        if (r.status() != 200 && r.status() != 202) {
            out().println(Character.toUpperCase(action.charAt(0)) + action.substring(1) + " failed, details: "
                    + r.status() + ", " + r.body());
            throw new CtlException(action + " was refused by member " + target.name() + " (HTTP " + r.status() + ")");
        }
        out().println(ctx.timestamp(6) + " " + r.body());
        printMembers(ctx.load(name), name);
    }

    private void confirm(String action, String name, String current, String scheduledAt, boolean forced) {
        if (forced) return;
        String demote = current != null ? ", demoting current leader " + current : "";
        if (scheduledAt != null) {
            if (!ctx().prompter().confirm("Are you sure you want to schedule " + action + " of cluster " + name
                    + " at " + scheduledAt + demote + "?", false)) {
                throw new CtlException("Aborting scheduled " + action);
            }
        } else if (!ctx().prompter().confirm("Are you sure you want to " + action + " cluster " + name + demote
                + "?", false)) {
            throw new CtlException("Aborting " + action);
        }
    }

    /** patronictl's {@code dcs.manual_failover(...)}: an unconditional write, scheduled_at in the given offset. */
    private void fallBackToDcs(String name, String from, String cand, String scheduledAt) {
        OffsetDateTime at = scheduledAt == null ? null : OffsetDateTime.parse(scheduledAt);
        try {
            ctx().dcs(name).setFailover(new Failover(0, from, cand, at == null ? null : at.toInstant()),
                    at == null ? null : at.getOffset(), null);
        } catch (DcsException e) {
            throw CtlContext.dcsError(e);
        }
    }

    static Member leaderMember(ClusterView c) {
        return c.member(c.leader().name()).orElse(c.leader().member());
    }

    /** Python's {@code str(list)} of names: {@code ['a', 'b']}. */
    static String pyList(List<String> names) {
        return "[" + String.join(", ", names.stream().map(n -> "'" + n + "'").toList()) + "]";
    }
}
