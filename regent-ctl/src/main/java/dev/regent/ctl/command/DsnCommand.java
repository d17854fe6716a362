package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dsn [CLUSTER]}: {@code host=... port=...} of the primary, or of a member chosen by role or name. */
@Command(name = "dsn", description = "Generate a dsn for the provided member, defaults to a dsn of the primary")
public class DsnCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = {"-r", "--role"}, description = "Give a dsn of any member with this role")
    String role;

    @Option(names = {"-m", "--member"}, description = "Generate a dsn for this member")
    String member;

    @Override
    void execute() {
        String r = Members.role(role);
        if (r != null && member != null) throw new CtlException("--role and --member are mutually exclusive options");
        if (r == null && member == null) r = "primary";
        ClusterView c = ctx().load(ctx().clusterName(cluster));
        Member m = Members.any(c, r, member);
        if (m == null || m.connUrl() == null) throw new CtlException("Can not find a suitable member");
        URI u = URI.create(m.connUrl());
        out().println("host=" + u.getHost() + " port=" + (u.getPort() > 0 ? u.getPort() : 5432));
    }
}
