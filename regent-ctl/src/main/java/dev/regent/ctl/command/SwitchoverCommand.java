package dev.regent.ctl.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code switchover [CLUSTER]}: a planned leader change, now or at {@code --scheduled}. */
@Command(name = "switchover", description = "Switchover to a replica")
public class SwitchoverCommand extends LeaderChange {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = {"--leader", "--primary", "--master"}, description = "The name of the current leader")
    String leader;

    @Option(names = "--candidate", description = "The name of the candidate")
    String candidate;

    @Option(names = "--scheduled", description = "Timestamp of a scheduled switchover in unambiguous format "
            + "(e.g. ISO 8601)")
    String scheduled;

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Override
    void execute() throws Exception {
        run("switchover", cluster, candidate, force, leader, scheduled);
    }
}
