package dev.regent.ctl.command;

import dev.regent.core.ledger.LedgerEntry;
import dev.regent.core.ledger.Since;
import dev.regent.core.ledger.Story;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.RestClient;
import dev.regent.daemon.view.DecisionJson;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Regent's {@code why [MEMBER]}: the cluster's recent story, the decision ledgers of the members ({@code GET
 * /decisions}) merged in time order, one plain sentence per decision with its reasons. Members that do not answer,
 * or keep no ledger (Patroni), are named on standard error; the command fails only when none answered.
 */
@Command(name = "why", description = "Tell the cluster's recent HA decisions and their reasons, all members merged"
        + " in time order (Regent)")
public class WhyCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "MEMBER_NAME", description = "Only this member's decisions")
    String member;

    @Option(names = "--since", paramLabel = "CYCLE|TIME",
            description = "Only decisions from this ISO-8601 time (e.g. 2026-12-02T16:40:00Z) or, with one member, this"
                    + " cycle number on")
    String since;

    @Option(names = {"-n", "--lines"}, description = "Show at most the last N decisions (default 50; 0: all)")
    int lines = 50;

    @Option(names = {"-f", "--format"}, description = "Output format (pretty, json)")
    String format = "pretty";

    @Option(names = "--cluster", paramLabel = "CLUSTER_NAME", description = "The cluster (default: the configured scope)")
    String cluster;

    @Override
    void execute() {
        if (!format.equals("pretty") && !format.equals("json")) {
            throw new CtlException("Invalid value for '--format' / '-f': '" + format + "' is not one of 'pretty',"
                    + " 'json'.", 2);
        }
        try {
            Since.parse(since);
        } catch (IllegalArgumentException e) {
            throw new CtlException("Invalid value for '--since': " + e.getMessage(), 2);
        }
        ClusterView c = ctx().load(ctx().clusterName(cluster));
        List<Member> asked = new ArrayList<>();
        for (Member m : c.members()) {
            if (m.apiUrl() != null && (member == null || m.name().equals(member))) asked.add(m);
        }
        if (member != null && asked.isEmpty()) throw new CtlException(member + " is not a member of the cluster");
        String endpoint = "decisions" + (since == null ? "" : "?since=" + URLEncoder.encode(since,
                StandardCharsets.UTF_8));
        List<List<LedgerEntry>> ledgers = new ArrayList<>();
        for (Member m : asked) {
            try {
                RestClient.Reply r = call(m, "GET", endpoint, null, REST_TIMEOUT);
                if (r.status() != 200) {
                    ctx().err().println(m.name() + ": GET /decisions answered " + r.status() + ": " + r.body().strip());
                    continue;
                }
                ledgers.add(DecisionJson.parseArray(r.body()));
            } catch (IOException e) {
                ctx().err().println(m.name() + ": not accessible at " + RestClient.endpoint(m, "decisions") + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (IllegalArgumentException e) {
                ctx().err().println(m.name() + ": keeps no decision ledger (" + e.getMessage() + ")");
            }
        }
        if (ledgers.isEmpty()) throw new CtlException("no member told its decisions");
        List<LedgerEntry> story = Story.merge(ledgers, lines);
        if (format.equals("json")) {
            out().println(new String(DecisionJson.array(story), StandardCharsets.UTF_8));
            return;
        }
        ZoneId zone = ZoneId.systemDefault();
        for (LedgerEntry e : story) out().println(Story.line(e, zone));
    }
}
