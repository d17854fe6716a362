package dev.regent.ctl.command;

import dev.regent.ctl.CtlFormats;
import dev.regent.daemon.view.MemberTable;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.core.model.ClusterView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code list [CLUSTER...]}: the member table of each cluster, optionally refreshed ({@code -W}, {@code -w}). */
@Command(name = "list", aliases = "members", description = "List the members of a cluster")
public class ListCommand extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER_NAMES")
    List<String> clusters = new ArrayList<>();

    @Option(names = {"-e", "--extended"}, description = "Show some extra information")
    boolean extended;

    @Option(names = {"-t", "--timestamp"}, description = "Print timestamp")
    boolean timestamp;

    @Option(names = {"-f", "--format"}, description = "Output format (pretty, tsv, json, yaml)")
    String format = "pretty";

    @Option(names = "-W", description = "Auto update the screen every 2 seconds")
    boolean watchDefault;

    @Option(names = {"-w", "--watch"}, description = "Auto update the screen every X seconds")
    Double watch;

    OutputFormat format() {
        return CtlFormats.parse(format);
    }

    @Override
    void execute() {
        OutputFormat fmt = format();
        List<String> names = clusters;
        if (names.isEmpty()) {
            if (ctx().config().scope() == null) {
                ctx().err().println("Listing members: No cluster names were provided");
                return;
            }
            names = List.of(ctx().config().scope());
        }
        Duration every = watch != null ? Duration.ofMillis((long) (watch * 1000)) : watchDefault
                ? Duration.ofSeconds(2) : null;
        for (String name : names) {
            do {
                if (timestamp) out().println(ctx().timestamp(0));
                ClusterView c = ctx().load(name);
                MemberTable.print(out(), c, name, extended, fmt);
                out().flush();
            } while (every != null && ctx().deps().pause(every));
        }
    }
}
