package dev.regent.ctl.command;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import dev.regent.ctl.RestClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code restart CLUSTER [MEMBER...]}: POST {@code /restart} to each selected member with the filters
 * ({@code restart_pending}, {@code postgres_version}, {@code timeout}) and an optional {@code schedule}.
 */
@Command(name = "restart", description = "Restart cluster member")
public class RestartCommand extends CtlCommand {
    @Parameters(index = "0", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER_NAMES")
    List<String> memberNames = new ArrayList<>();

    @Option(names = {"-r", "--role"}, description = "Restart only members with this role")
    String role = "any";

    @Option(names = "--any", description = "Restart a single member only")
    boolean any;

    @Option(names = "--scheduled", description = "Timestamp of a scheduled restart in unambiguous format "
            + "(e.g. ISO 8601)")
    String scheduled;

    @Option(names = {"--pg-version"}, description = "Restart if the PostgreSQL version is less than provided "
            + "(e.g. 9.5.2)")
    String version;

    @Option(names = "--pending", description = "Restart if pending")
    boolean pending;

    @Option(names = "--timeout", description = "Return error and fail over if necessary when restarting takes "
            + "longer than this.")
    String timeout;

    @Option(names = "--force", description = "Do not ask for confirmation at any point")
    boolean force;

    @Override
    void execute() {
        String r = Members.role(role);
        ClusterView c = ctx().load(cluster);
        List<Member> members = selectMembers(c, cluster, memberNames, r, force, "restart", false);
        if (scheduled == null && !force) {
            scheduled = ctx().prompter().prompt("When should the restart take place (e.g. "
                    + Scheduled.nextHour(ctx().deps().now()) + ") ", "now");
        }
        String scheduledAt = Scheduled.parse(scheduled);
        confirmAction(members, force, "restart", scheduledAt);
        if (any) {
            members = new ArrayList<>(members);
            Collections.shuffle(members);
            members = members.subList(0, Math.min(1, members.size()));
        }
        if (version == null && !force) {
            version = ctx().prompter().prompt("Restart if the PostgreSQL version is less than provided (e.g. 9.5.2) ",
                    "");
        }
        Map<String, Object> content = new LinkedHashMap<>();
        if (pending) content.put("restart_pending", true);
        if (version != null && !version.isEmpty()) {
            checkVersion(version);
            content.put("postgres_version", version);
        }
        if (scheduledAt != null) {
            if (c.isPaused()) throw new CtlException("Can't schedule restart in the paused state");
            content.put("schedule", scheduledAt);
        }
        if (timeout != null) content.put("timeout", timeout);
        boolean failed = false;
        for (Member m : members) failed |= !restart(m, content);
        if (failed) throw new CtlException("restart failed on at least one member");
    }

    private boolean restart(Member m, Map<String, Object> content) {
        if (content.containsKey("schedule") && force && m.data().scheduledRestart() != null) {
            checkResponse(callOrFail(m, "DELETE", "restart", null, REST_TIMEOUT), m.name(),
                    "flush scheduled restart", true);
        }
        RestClient.Reply r = callOrFail(m, "POST", "restart", content, LONG_REST_TIMEOUT);
        switch (r.status()) {
            case 200 -> out().println("Success: restart on member " + m.name());
            case 202 -> out().println("Success: restart scheduled on member " + m.name());
            case 409 -> out().println("Failed: another restart is already scheduled on member " + m.name());
            default -> out().println("Failed: restart for member " + m.name() + ", status code=" + r.status() + ", ("
                    + r.body() + ")");
        }
        return r.status() == 200 || r.status() == 202;
    }

    /** patronictl validates the version locally: {@code X.Y.Z}, or {@code X.Y} from 10 on. */
    static void checkVersion(String v) {
        String[] p = v.split("\\.");
        boolean ok = p.length >= 2 && p.length <= 3;
        try {
            for (String x : p) Integer.parseInt(x.trim());
            if (ok && p.length == 2 && Integer.parseInt(p[0].trim()) < 10) ok = false;
        } catch (NumberFormatException e) {
            ok = false;
        }
        if (!ok) throw new CtlException("Invalid PostgreSQL version format: X.Y or X.Y.Z is accepted: " + v);
    }
}
