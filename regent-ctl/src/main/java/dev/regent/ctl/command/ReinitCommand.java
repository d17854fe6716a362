package dev.regent.ctl.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.RestClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reinit CLUSTER [MEMBER...]}: POST {@code /reinitialize}; offers to cancel a running task; {@code --wait}
 * polls {@code GET /patroni} until the state is no longer {@code creating replica}.
 */
@Command(name = "reinit", description = "Reinitialize cluster member")
public class ReinitCommand extends CtlCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
    List<String> memberNames = new ArrayList<>();

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Option(names = "--wait", description = "Wait until reinitialization completes")
    boolean await;

    @Option(names = "--from-leader", description = "Get basebackup directly from the leader")
    boolean fromLeader;

    @Override
    void execute() {
        ClusterView c = ctx().load(cluster);
        List<Member> waitOn = new ArrayList<>();
        boolean failed = false;
        for (Member m : selectMembers(c, cluster, memberNames, null, force, "reinitialize", true)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("force", force);
            if (fromLeader) body.put("from_leader", true);
            boolean started;
            while (true) {
                RestClient.Reply r = callOrFail(m, "POST", "reinitialize", body, REST_TIMEOUT);
                started = checkResponse(r, m.name(), "reinitialize", false);
                if (!started && r.body().endsWith(" already in progress") && !force
                        && ctx().prompter().confirm("Do you want to cancel it and reinitialize anyway?", false)) {
                    body.put("force", true);
                    continue;
                }
                break;
            }
            failed |= !started;
            if (started && await) waitOn.add(m);
        }
        awaitCompletion(waitOn);
        if (failed) throw new CtlException("reinitialize failed on at least one member");
    }

    private void awaitCompletion(List<Member> waitOn) {
        List<Member> shown = List.of();
        while (!waitOn.isEmpty()) {
            if (!waitOn.equals(shown)) {
                out().println("Waiting for reinitialize to complete on: "
                        + String.join(", ", waitOn.stream().map(Member::name).toList()));
                shown = List.copyOf(waitOn);
            }
            if (!ctx().deps().pause(Duration.ofSeconds(2))) return;
            for (Member m : List.copyOf(waitOn)) {
                String state = state(m);
                if (state != null && !state.equals("creating replica")) {
                    out().println("Reinitialize is completed on: " + m.name());
                    waitOn.remove(m);
                }
            }
        }
    }

    /** The member's PostgreSQL state from GET /patroni, or null while it does not answer. */
    private String state(Member m) {
        try {
            RestClient.Reply r = call(m, "GET", "patroni", null, REST_TIMEOUT);
            JsonNode n = JSON.readTree(r.body());
            return n.path("state").isMissingNode() ? null : n.path("state").asText();
        } catch (IOException e) {
            return null;
        }
    }
}
