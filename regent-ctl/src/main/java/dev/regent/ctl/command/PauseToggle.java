package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import dev.regent.ctl.RestClient;
import dev.regent.time.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * patronictl's {@code toggle_pause}: PATCH {@code /config} with {@code {"pause": true}} (or {@code null}) on the first
 * member that answers, leader first; {@code --wait} polls the member keys until every member that was there shows
 * the new state (at most {@code loop_wait + 1} seconds).
 */
abstract class PauseToggle extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = "--wait", description = "Wait until the change is applied on all nodes")
    boolean await;

    void toggle(boolean paused) {
        String name = ctx().clusterName(cluster);
        ClusterView c = ctx().load(name);
        if (c.isPaused() == paused) {
            throw new CtlException("Cluster is " + (paused ? "already" : "not") + " paused");
        }
        Map<String, Object> body = new HashMap<>();
        body.put("pause", paused ? Boolean.TRUE : null);
        for (Member m : Members.leaderFirst(c)) {
            RestClient.Reply r;
            try {
                r = call(m, "PATCH", "config", body, REST_TIMEOUT);
            } catch (IOException e) {
                ctx().err().println("Member " + m.name() + " is not accessible");
                continue;
            }
            if (r.status() != 200) {
                out().println("Failed: " + (paused ? "pause" : "resume") + " cluster management status code="
                        + r.status() + ", (" + r.body() + ")");
                throw new CtlException((paused ? "pause" : "resume") + " was refused by member " + m.name());
            }
            if (await) {
                awaitApplied(name, paused, c);
            } else {
                out().println("Success: cluster management is " + (paused ? "paused" : "resumed"));
            }
            return;
        }
        throw new CtlException("Can not find accessible cluster member");
    }

    private void awaitApplied(String name, boolean paused, ClusterView before) {
        out().println("'" + (paused ? "pause" : "resume") + "' request sent, waiting until it is recognized by all"
                + " nodes");
        Map<String, Long> old = new HashMap<>();
        before.members().stream().filter(m -> m.apiUrl() != null).forEach(m -> old.put(m.name(), m.version()));
        int loopWait = before.configOrEmpty().loopWait();
        Deadline deadline = Deadline.after(ctx().deps().ticker(), Duration.ofSeconds(loopWait + 1L));
        ClusterView c = before;
        while (true) {
            c = ctx().load(name);
            boolean all = c.members().stream().filter(m -> old.containsKey(m.name()))
                    .allMatch(m -> m.data().pause() == paused);
            if (all) break;
            if (deadline.expired() || !ctx().deps().pause(Duration.ofSeconds(1))) {
                List<String> remaining = c.members().stream().filter(m -> old.containsKey(m.name()))
                        .filter(m -> m.data().pause() != paused && old.get(m.name()) != m.version())
                        .map(Member::name).toList();
                if (!remaining.isEmpty()) {
                    out().println(String.join(", ", remaining) + " members didn't recognized pause state after "
                            + loopWait + " seconds");
                    return;
                }
                break;
            }
        }
        out().println("Success: cluster management is " + (paused ? "paused" : "resumed"));
    }
}
