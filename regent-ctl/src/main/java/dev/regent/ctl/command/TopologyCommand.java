package dev.regent.ctl.command;

import dev.regent.daemon.view.OutputFormat;
import picocli.CommandLine.Command;

/** {@code topology [CLUSTER...]}: {@code list} as a tree by {@code replicatefrom}. */
@Command(name = "topology", description = "Prints ASCII topology for given cluster")
public class TopologyCommand extends ListCommand {
    @Override
    OutputFormat format() {
        return OutputFormat.TOPOLOGY;
    }
}
