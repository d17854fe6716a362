package dev.regent.daemon.view;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * patronictl's {@code output_members} (4.1 columns): Member, Host, Role, State, TL, Receive LSN, Receive Lag,
 * Replay LSN, Replay Lag (lags in MB against {@code status.optime}; both lag headers read {@code Lag} in the pretty
 * and topology tables), plus Pending restart, Pending restart reason, Scheduled restart and Tags when extended or
 * non-empty; a {@code Cluster} first column in tsv/json/yaml; footer lines for maintenance mode and a scheduled
 * switchover. Stateless.
 */
public final class MemberTable {
    private static final List<String> BASE = List.of("Cluster", "Member", "Host", "Role", "State", "TL",
            "Receive LSN", "Receive Lag", "Replay LSN", "Replay Lag");
    private static final List<String> OPTIONAL = List.of("Pending restart", "Pending restart reason",
            "Scheduled restart", "Tags");
    private static final Set<String> RIGHT = Set.of("TL", "Receive Lag", "Replay Lag", "Lag");

    private MemberTable() {}

    /** Prints the table of {@code c} named {@code name} in {@code format} (TOPOLOGY = pretty tree). */
    public static void print(PrintStream out, ClusterView c, String name, boolean extended, OutputFormat format) {
        List<Map<String, Object>> members = members(c);
        List<String> columns = new ArrayList<>(BASE);
        for (String col : OPTIONAL) {
            if (extended || members.stream().anyMatch(m -> present(m.get(col)))) columns.add(col);
        }
        boolean appendPort = appendPort(members);
        if (format == OutputFormat.TOPOLOGY) members = Topology.sort(members);
        boolean pretty = format == OutputFormat.PRETTY || format == OutputFormat.TOPOLOGY;
        List<String> shown = pretty ? columns.subList(1, columns.size()) : columns;
        List<String> headers = shown.stream().map(h -> pretty && h.endsWith(" Lag") ? "Lag" : h).toList();
        Table t = new Table(headers, RIGHT).title(" Cluster: " + name + " (" + sysid(c) + ") ");
        for (Map<String, Object> m : members) {
            List<Object> row = new ArrayList<>();
            for (String col : shown) row.add(cell(m, col, name, appendPort, format));
            t.add(row);
        }
        t.print(out, pretty ? OutputFormat.PRETTY : format, "\t");
        if (pretty) footer(out, c);
    }

    private static Object cell(Map<String, Object> m, String col, String cluster, boolean appendPort,
                               OutputFormat format) {
        return switch (col) {
            case "Cluster" -> cluster;
            case "Host" -> {
                String host = (String) m.getOrDefault("host", "");
                yield appendPort && !host.isEmpty() && m.get("port") != null ? host + ":" + m.get("port") : host;
            }
            case "Tags" -> {
                Object tags = m.get(col);
                if (tags == null) yield "";
                yield format == OutputFormat.JSON || format == OutputFormat.YAML ? tags
                        : YamlText.dump(tags, format == OutputFormat.TSV).strip();
            }
            default -> m.getOrDefault(col, "");
        };
    }

    private static boolean present(Object v) {
        return v != null && !"".equals(v);
    }

    /** Host as host:port when some port is not 5432 or hosts repeat. */
    private static boolean appendPort(List<Map<String, Object>> members) {
        Set<Object> hosts = new HashSet<>();
        boolean odd = false;
        int n = 0;
        for (Map<String, Object> m : members) {
            if (!m.containsKey("host")) continue;
            n++;
            hosts.add(m.get("host"));
            odd |= m.get("port") != null && !Integer.valueOf(5432).equals(m.get("port"));
        }
        return odd || hosts.size() < n;
    }

    static String sysid(ClusterView c) {
        return c.initialize() == null ? "uninitialized" : c.initialize().isEmpty() ? "initializing" : c.initialize();
    }

    /** One map per member with the column values (and {@code name}, {@code role}, {@code replicatefrom}). */
    static List<Map<String, Object>> members(ClusterView c) {
        List<Member> all = new ArrayList<>(c.members());
        if (c.leader() != null && c.member(c.leader().name()).isEmpty()) all.add(c.leader().member());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Member m : all) out.add(member(c, m));
        return out;
    }

    private static Map<String, Object> member(ClusterView c, Member m) {
        MemberData d = m.data();
        Map<String, Object> r = new LinkedHashMap<>();
        boolean leader = c.isLeader(m.name());
        String role = leader ? ("standby_leader".equals(d.normalizedRole()) ? "standby_leader" : "leader")
                : c.sync() != null && c.sync().syncStandbys().contains(m.name())
                ? ("quorum".equals(c.configOrEmpty().synchronousMode()) ? "quorum_standby" : "sync_standby")
                : "replica";
        r.put("name", m.name());
        r.put("role", role);
        r.put("Member", m.name());
        hostPort(r, m.connUrl());
        r.put("Role", title(role));
        String state = !leader && d.replicationState() != null ? d.replicationState() : d.state();
        r.put("State", state == null ? "" : state);
        r.put("TL", d.timeline() == null ? "" : d.timeline());
        if (!leader) lags(r, c.status().optime(), d);
        if (Boolean.TRUE.equals(d.pendingRestart())) r.put("Pending restart", "*");
        if (d.pendingRestartReason() != null && !d.pendingRestartReason().isEmpty()) {
            r.put("Pending restart reason", reason(d.pendingRestartReason()));
        }
        if (d.scheduledRestart() != null && d.scheduledRestart().get("schedule") != null) {
            Object v = d.scheduledRestart().get("postgres_version");
            r.put("Scheduled restart", d.scheduledRestart().get("schedule") + (v == null ? "" : " if version < " + v));
        }
        if (!d.tags().isEmpty()) r.put("Tags", d.tags());
        r.put("replicatefrom", m.replicateFrom());
        return r;
    }

    private static void lags(Map<String, Object> r, long optime, MemberData d) {
        Long receive = d.receiveLsn() != null ? d.receiveLsn() : d.xlogLocation();
        Long replay = d.replayLsn() != null ? d.replayLsn() : d.xlogLocation();
        r.put("Receive LSN", receive == null ? "" : lsn(receive));
        r.put("Receive Lag", lagMb(optime, receive));
        r.put("Replay LSN", replay == null ? "" : lsn(replay));
        r.put("Replay Lag", lagMb(optime, replay));
    }

    private static Object lagMb(long optime, Long pos) {
        if (pos == null || optime <= 0) return "unknown";
        return Math.round(Math.max(0, optime - pos) / 1048576.0);
    }

    /** PostgreSQL's {@code X/Y} notation. */
    public static String lsn(long v) {
        return Long.toHexString(v >>> 32).toUpperCase() + "/" + Long.toHexString(v & 0xFFFFFFFFL).toUpperCase();
    }

    @SuppressWarnings("unchecked")
    private static String reason(Map<String, Object> reasons) {
        List<String> lines = new ArrayList<>();
        reasons.forEach((k, v) -> {
            Map<String, Object> p = v instanceof Map<?, ?> ? (Map<String, Object>) v : Map.of();
            lines.add(k + ": " + p.getOrDefault("old_value", "") + "->" + p.getOrDefault("new_value", ""));
        });
        return String.join("\n", lines);
    }

    private static void hostPort(Map<String, Object> r, String connUrl) {
        if (connUrl == null) return;
        try {
            URI u = URI.create(connUrl);
            if (u.getHost() == null) return;
            r.put("host", u.getHost());
            r.put("port", u.getPort() > 0 ? u.getPort() : 5432);
        } catch (IllegalArgumentException e) {
            r.put("host", connUrl);
        }
    }

    /** {@code sync_standby} -> {@code Sync Standby}. */
    static String title(String role) {
        StringBuilder sb = new StringBuilder();
        for (String w : role.split("_")) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return sb.toString();
    }

    private static void footer(PrintStream out, ClusterView c) {
        List<String> info = new ArrayList<>();
        if (c.isPaused()) info.add("Maintenance mode: on");
        if (c.failover() != null && c.failover().scheduledAt() != null) {
            StringBuilder s = new StringBuilder("Switchover scheduled at: ")
                    .append(dev.regent.dcs.DcsJson.formatTimestamp(c.failover().scheduledAt()));
            if (c.failover().leader() != null) s.append('\n').append(String.format("%24s: %s", "from",
                    c.failover().leader()));
            if (c.failover().candidate() != null) s.append('\n').append(String.format("%24s: %s", "to",
                    c.failover().candidate()));
            info.add(s.toString());
        }
        if (!info.isEmpty()) out.println(" " + String.join("\n ", info));
    }
}
