package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import dev.regent.ctl.RestClient;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flush CLUSTER [MEMBER...] restart|switchover}: DELETE {@code /restart} on members with a scheduled restart,
 * or DELETE {@code /switchover} on the first member that answers (leader first), falling back to clearing the
 * {@code failover} key in the DCS (compare-and-set on its version).
 */
@Command(name = "flush", description = "Discard scheduled events")
public class FlushCommand extends CtlCommand {
    @Parameters(arity = "2..*", paramLabel = "CLUSTER_NAME [MEMBER_NAMES...] {restart|switchover}")
    List<String> args;

    @Option(names = {"-r", "--role"}, description = "Flush only members with this role")
    String role = "any";

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Override
    void execute() {
        String target = args.get(args.size() - 1);
        if (!target.equals("restart") && !target.equals("switchover")) {
            throw new CtlException("Invalid value for '{restart|switchover}': '" + target
                    + "' is not one of 'restart', 'switchover'.", 2);
        }
        String r = Members.role(role);
        String cluster = args.get(0);
        List<String> names = args.subList(1, args.size() - 1);
        ClusterView c = ctx().load(cluster);
        if (target.equals("restart")) {
            flushRestarts(c, cluster, names, r);
        } else {
            flushSwitchover(c, cluster);
        }
    }

    private void flushRestarts(ClusterView c, String cluster, List<String> names, String r) {
        boolean failed = false;
        for (Member m : selectMembers(c, cluster, names, r, force, "flush", true)) {
            if (m.data().scheduledRestart() != null) {
                RestClient.Reply reply = callOrFail(m, "DELETE", "restart", null, REST_TIMEOUT);
                failed |= !checkResponse(reply, m.name(), "flush scheduled restart", false);
            } else {
                out().println("No scheduled restart for member " + m.name());
            }
        }
        if (failed) throw new CtlException("flush failed on at least one member");
    }

    private void flushSwitchover(ClusterView c, String cluster) {
        if (c.failover() == null || c.failover().scheduledAt() == null) {
            out().println("No pending scheduled switchover");
            return;
        }
        for (Member m : Members.leaderFirst(c)) {
            try {
                RestClient.Reply reply = call(m, "DELETE", "switchover", null, REST_TIMEOUT);
                if (reply.status() == 200 || reply.status() == 404) {
                    out().println((reply.status() == 200 ? "Success: " : "Failed: ") + reply.body());
                    return;
                }
                out().println("Failed: member=" + m.name() + ", status_code=" + reply.status() + ", (" + reply.body()
                        + ")");
            } catch (IOException e) {
                ctx().err().println("Member " + m.name() + " is not accessible");
            }
        }
        out().println(ctx().timestamp(6) + " Could not find any accessible member of cluster " + cluster);
        try {
            if (!ctx().dcs(cluster).clearFailover(c.failover().version())) {
                throw new CtlException("the failover key changed meanwhile; nothing was flushed");
            }
        } catch (DcsException e) {
            throw CtlContext.dcsError(e);
        }
    }
}
