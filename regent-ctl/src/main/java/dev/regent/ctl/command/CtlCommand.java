package dev.regent.ctl.command;

import dev.regent.daemon.view.MemberTable;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import dev.regent.ctl.RestClient;
import dev.regent.ctl.RootCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** Base of the subcommands: access to the invocation's context and the helpers several commands share. */
abstract class CtlCommand implements Callable<Integer> {
    static final Duration REST_TIMEOUT = Duration.ofSeconds(30);
    /** Switchover/failover/restart block on the member until done (Patroni waits up to 2*max(10, loop_wait)). */
    static final Duration LONG_REST_TIMEOUT = Duration.ofMinutes(6);

    @ParentCommand
    RootCommand root;

    CtlContext ctx() {
        return root.context();
    }

    PrintStream out() {
        return ctx().out();
    }

    /** Exit code when {@link #execute} returns normally (a command may report a partial failure this way). */
    int exitCode;

    @Override
    public final Integer call() throws Exception {
        execute();
        return exitCode;
    }

    abstract void execute() throws Exception;

    RestClient.Reply call(Member m, String method, String endpoint, Object body, Duration timeout)
            throws IOException {
        return ctx().rest().call(m, method, endpoint, body, timeout);
    }

    /** Same call, where an unreachable member is a command failure. */
    RestClient.Reply callOrFail(Member m, String method, String endpoint, Object body, Duration timeout) {
        try {
            return call(m, method, endpoint, body, timeout);
        } catch (IOException e) {
            throw new CtlException("member " + m.name() + " is not accessible at " + RestClient.endpoint(m, endpoint)
                    + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    void printMembers(ClusterView c, String cluster) {
        MemberTable.print(out(), c, cluster, false, OutputFormat.PRETTY);
    }

    /**
     * patronictl's {@code get_members}: shows the cluster (unless forced without a role), narrows the names to the
     * role, asks which member when none is given, checks the names, then asks to confirm the action.
     */
    List<Member> selectMembers(ClusterView c, String cluster, List<String> names, String role, boolean force,
                               String action, boolean confirm) {
        Map<String, Member> candidates = new java.util.LinkedHashMap<>();
        c.members().forEach(m -> candidates.put(m.name(), m));
        List<String> chosen = new ArrayList<>(names == null ? List.of() : names);
        if (!force || role != null) {
            if (chosen.isEmpty() && candidates.isEmpty()) {
                throw new CtlException(cluster + " cluster doesn't have any members");
            }
            printMembers(c, cluster);
        }
        if (role != null && !(role.equals("any") && !chosen.isEmpty())) {
            List<String> withRole = Members.withRole(c, role).stream().map(Member::name).toList();
            if (!chosen.isEmpty()) {
                chosen.retainAll(withRole);
                if (chosen.isEmpty()) throw new CtlException("No " + role + " among provided members");
            } else {
                chosen = new ArrayList<>(withRole);
            }
        }
        if (chosen.isEmpty() && !force) {
            chosen = List.of(ctx().prompter().prompt("Which member do you want to " + action + " ["
                    + String.join(", ", candidates.keySet()) + "]?", ""));
        }
        for (String n : chosen) {
            if (!candidates.containsKey(n)) throw new CtlException(n + " is not a member of cluster");
        }
        List<Member> members = new ArrayList<>(new LinkedHashSet<>(chosen)).stream().map(candidates::get).toList();
        if (confirm) confirmAction(members, force, action, null);
        return members;
    }

    void confirmAction(List<Member> members, boolean force, String action, String scheduledAt) {
        if (force) return;
        String names = String.join(", ", members.stream().map(Member::name).toList());
        if (scheduledAt != null) {
            if (!ctx().prompter().confirm("Are you sure you want to schedule " + action + " of members " + names
                    + " at " + scheduledAt + "?", false)) {
                throw new CtlException("Aborted scheduled " + action);
            }
        } else if (!ctx().prompter().confirm("Are you sure you want to " + action + " members " + names + "?",
                false)) {
            throw new CtlException("Aborted " + action);
        }
    }

    /** patronictl's {@code check_response}. */
    boolean checkResponse(RestClient.Reply r, String member, String action, boolean silentSuccess) {
        if (r.status() >= 400) {
            out().println("Failed: " + action + " for member " + member + ", status code=" + r.status() + ", ("
                    + r.body() + ")");
            return false;
        }
        if (!silentSuccess) out().println("Success: " + action + " for member " + member);
        return true;
    }
}
