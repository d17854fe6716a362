package dev.regent.ctl.command;

import picocli.CommandLine.Command;

/** {@code promote-cluster [CLUSTER] [--force]} (Patroni 4.1): promote a standby cluster to a primary cluster. */
@Command(name = "promote-cluster", description = "Promote cluster, make it run standalone")
public class PromoteClusterCommand extends ClusterRoleChange {
    @Override
    void execute() {
        change(null);
    }
}
