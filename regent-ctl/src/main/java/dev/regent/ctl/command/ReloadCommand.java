package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import dev.regent.ctl.RestClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reload CLUSTER [MEMBER...]}: POST {@code /reload} to each selected member. */
@Command(name = "reload", description = "Reload cluster member configuration")
public class ReloadCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
    List<String> memberNames = new ArrayList<>();

    @Option(names = {"-r", "--role"}, description = "Reload only members with this role")
    String role = "any";

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Override
    void execute() {
        String r = Members.role(role);
        ClusterView c = ctx().load(cluster);
        boolean failed = false;
        for (Member m : selectMembers(c, cluster, memberNames, r, force, "reload", true)) {
            RestClient.Reply reply = callOrFail(m, "POST", "reload", null, REST_TIMEOUT);
            if (reply.status() == 200) {
                out().println("No changes to apply on member " + m.name());
            } else if (reply.status() == 202) {
                out().println("Reload request received for member " + m.name() + " and will be processed within "
                        + c.configOrEmpty().loopWait() + " seconds");
            } else {
                out().println("Failed: reload for member " + m.name() + ", status code=" + reply.status() + ", ("
                        + reply.body() + ")");
                failed = true;
            }
        }
        if (failed) throw new CtlException("reload failed on at least one member");
    }
}
