package dev.regent.ctl.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.RestClient;
import dev.regent.daemon.Versions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Parameters;

/**
 * {@code version [CLUSTER [MEMBER...]]}: regentctl's version, then {@code <name>: Patroni <v> PostgreSQL <v>} per
 * member from its {@code GET /patroni}.
 */
@Command(name = "version", description = "Output version of regentctl or a running Regent/Patroni instance")
public class VersionCommand extends CtlCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
    List<String> memberNames = new ArrayList<>();

    /** For {@code regentctl --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {line()};
        }
    }

    static String line() {
        return "regentctl version " + Versions.regent() + " (patronictl " + Versions.PATRONI_COMPATIBLE
                + " compatible)";
    }

    @Override
    void execute() {
        out().println(line());
        if (cluster == null) return;
        out().println();
        ClusterView c = ctx().load(cluster);
        for (Member m : c.members()) {
            if (m.apiUrl() == null || !memberNames.isEmpty() && !memberNames.contains(m.name())) continue;
            try {
                RestClient.Reply r = call(m, "GET", "patroni", null, REST_TIMEOUT);
                JsonNode n = JSON.readTree(r.body());
                String v = n.path("patroni").path("version").asText();
                int pg = n.path("server_version").asInt(0);
                out().println(m.name() + ": Patroni " + v + (pg > 0 ? " PostgreSQL " + pgVersion(pg) : ""));
            } catch (Exception e) {
                out().println(m.name() + ": failed to get version: " + e.getMessage());
            }
        }
    }

    /** patronictl's {@code format_pg_version}: 150004 -> 15.4, 90624 -> 9.6.24. */
    static String pgVersion(int v) {
        return v < 100000 ? v / 10000 + "." + v / 100 % 100 + "." + v % 100 : v / 10000 + "." + v % 100;
    }
}
