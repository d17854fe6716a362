package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.RestClient;
import dev.regent.time.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Patroni 4.1's {@code change_cluster_role} behind {@code demote-cluster} and {@code promote-cluster}: checks the
 * cluster has a leader and is not in the required state yet, shows the topology, confirms unless {@code --force},
 * PATCHes {@code /config} with {@code {"standby_cluster": ...}} ({@code null} to promote) on the leader, then waits
 * until the leader key's member reports the target role ({@code standby_leader} or {@code primary}) and state
 * {@code running} (after a demotion, the former leader running too).
 */
abstract class ClusterRoleChange extends CtlCommand {
    /** How long the result is awaited: Patroni polls for up to loop_wait-driven cycles; a few ttl here. */
    private static final int WAIT_CYCLES = 3;

    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    /** {@code standbyConfig} null: promote; otherwise demote to a standby cluster of that remote. */
    void change(Map<String, Object> standbyConfig) {
        boolean demote = standbyConfig != null;
        String noun = demote ? "demotion" : "promotion";
        String name = ctx().clusterName(cluster);
        ClusterView c = ctx().load(name);
        if (c.leader() == null) throw new CtlException("Cluster has no leader, " + noun + " is not possible");
        String target = demote ? "standby_leader" : "primary";
        if (target.equals(leaderRole(c))) throw new CtlException("Cluster is already in the required state");
        out().println("Current cluster topology");
        printMembers(c, name);
        if (!force && !ctx().prompter().confirm("Are you sure you want to " + (demote ? "demote" : "promote")
                + " " + name + " cluster?", false)) {
            throw new CtlException("Aborted cluster " + noun);
        }
        Map<String, Object> body = new HashMap<>();
        body.put("standby_cluster", standbyConfig);
        Member leader = LeaderChange.leaderMember(c);
        RestClient.Reply r;
        try {
            r = call(leader, "PATCH", "config", body, REST_TIMEOUT);
        } catch (IOException e) {
            throw new CtlException("Failed to " + (demote ? "demote" : "promote") + " " + name + " cluster: "
                    + e.getMessage());
        }
        if (r.status() != 200) {
            throw new CtlException("Failed to " + (demote ? "demote" : "promote") + " " + name
                    + " cluster: /config PATCH status code=" + r.status() + ", (" + r.body() + ")");
        }
        int ttl = c.configOrEmpty().ttl();
        Deadline deadline = Deadline.after(ctx().deps().ticker(), Duration.ofSeconds((long) ttl * WAIT_CYCLES));
        while (true) {
            ClusterView now = ctx().load(name);
            if (converged(now, target, demote ? c.leader().name() : null)) {
                out().println("Cluster " + name + " successfully " + (demote ? "demoted" : "promoted"));
                printMembers(now, name);
                return;
            }
            if (deadline.expired() || !ctx().deps().pause(Duration.ofSeconds(1))) {
                throw new CtlException("Timed out waiting for cluster " + name + " to be "
                        + (demote ? "demoted" : "promoted") + " (leader role " + target + " and state running not"
                        + " reported)");
            }
        }
    }

    /**
     * Patroni 4.1 waits until the leader's member key shows the target role and state {@code running}, and after a
     * demotion until the former leader runs again (its postgres restarts as the standby leader, or as a replica when
     * it lost the lock on the way).
     */
    private static boolean converged(ClusterView c, String target, String previousLeader) {
        if (c.leader() == null || !target.equals(leaderRole(c))) return false;
        if (!"running".equals(state(c, c.leader().name()))) return false;
        return previousLeader == null || "running".equals(state(c, previousLeader));
    }

    private static String state(ClusterView c, String member) {
        Member m = c.member(member).orElse(c.leader() != null && c.leader().name().equals(member)
                ? c.leader().member() : null);
        return m == null || m.data() == null ? null : m.data().state();
    }

    private static String leaderRole(ClusterView c) {
        Member m = c.leader() == null ? null : c.member(c.leader().name()).orElse(c.leader().member());
        return m == null || m.data() == null ? null : m.data().normalizedRole();
    }
}
