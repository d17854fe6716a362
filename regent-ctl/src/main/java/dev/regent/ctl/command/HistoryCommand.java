package dev.regent.ctl.command;

import dev.regent.ctl.CtlFormats;
import dev.regent.daemon.view.Table;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.TimelineHistory;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code history [CLUSTER]}: the timeline history, columns TL, LSN, Reason, Timestamp, New Leader. */
@Command(name = "history", description = "Show the history of failovers/switchovers")
public class HistoryCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = {"-f", "--format"}, description = "Output format (pretty, tsv, json, yaml)")
    String format = "pretty";

    @Override
    void execute() {
        OutputFormat fmt = CtlFormats.parse(format);
        ClusterView c = ctx().load(ctx().clusterName(cluster));
        Table t = new Table(List.of("TL", "LSN", "Reason", "Timestamp", "New Leader"), Set.of("TL", "LSN"));
        for (TimelineHistory.Entry e : c.history().entries()) {
            t.add(java.util.Arrays.asList(e.timeline(), e.lsn(), e.reason(), e.timestamp() == null ? ""
                    : e.timestamp(), e.newLeader() == null ? "" : e.newLeader()));
        }
        t.print(out(), fmt, "\t");
    }
}
