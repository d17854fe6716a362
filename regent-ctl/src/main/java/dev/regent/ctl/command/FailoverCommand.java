package dev.regent.ctl.command;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code failover [CLUSTER] --candidate NAME}: POST {@code /failover} (to the leader, or the candidate). */
@Command(name = "failover", description = "Failover to a replica")
public class FailoverCommand extends LeaderChange {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String failoverCluster;

    @Option(names = "--candidate", description = "The name of the candidate")
    String failoverCandidate;

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean failoverForce;

    @Override
    void execute() throws Exception {
        run("failover", failoverCluster, failoverCandidate, failoverForce, null, null);
    }
}
