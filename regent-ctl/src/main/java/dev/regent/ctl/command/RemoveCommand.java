package dev.regent.ctl.command;

import dev.regent.ctl.CtlFormats;
import dev.regent.daemon.view.MemberTable;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.core.model.ClusterView;
import dev.regent.ctl.CtlContext;
import dev.regent.ctl.CtlException;
import dev.regent.dcs.DcsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code remove CLUSTER}: deletes every key of the cluster from the DCS after three typed confirmations (cluster
 * name, {@code Yes I am aware}, and the leader's name when there is a leader). There is no {@code --force}.
 */
@Command(name = "remove", description = "Remove cluster from DCS")
public class RemoveCommand extends CtlCommand {
    static final String AWARE = "Yes I am aware";

    @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = {"-f", "--format"}, description = "Output format (pretty, tsv, json, yaml)")
    String format = "pretty";

    @Override
    void execute() {
        OutputFormat fmt = CtlFormats.parse(format);
        ClusterView c = ctx().load(cluster);
        MemberTable.print(out(), c, cluster, false, fmt);
        if (!cluster.equals(ctx().prompter().prompt("Please confirm the cluster name to remove", null))) {
            throw new CtlException("Cluster names specified do not match");
        }
        if (!AWARE.equals(ctx().prompter().prompt("You are about to remove all information in DCS for " + cluster
                + ", please type: \"" + AWARE + "\"", null))) {
            throw new CtlException("You did not exactly type \"" + AWARE + "\"");
        }
        if (c.leader() != null && !ctx().prompter().prompt("This cluster currently is healthy. Please specify the "
                + "leader name to continue", null).equals(c.leader().name())) {
            throw new CtlException("You did not specify the current leader of the cluster");
        }
        try {
            ctx().dcs(cluster).deleteCluster();
        } catch (DcsException e) {
            throw CtlContext.dcsError(e);
        }
    }
}
