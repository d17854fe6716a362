package dev.regent.ctl.command;

import dev.regent.daemon.view.YamlText;
import dev.regent.core.model.ClusterView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code show-config [CLUSTER]}: the dynamic configuration ({@code /config}) as YAML. */
@Command(name = "show-config", description = "Show cluster configuration")
public class ShowConfigCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Override
    void execute() {
        ClusterView c = ctx().load(ctx().clusterName(cluster));
        out().println(YamlText.dump(c.configOrEmpty().data(), false));
    }
}
