package dev.regent.daemon.view;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a cluster snapshot as patronictl's {@code list} table (pretty format, Patroni 4.1 columns: Member, Host,
 * Role, State, TL, Receive LSN, Lag, Replay LSN, Lag; lags in MB against the leader's {@code status.optime}).
 * Pure and thread-safe.
 */
public final class ClusterTable {
    private static final String[] HEADERS = {"Member", "Host", "Role", "State", "TL", "Receive LSN", "Lag",
        "Replay LSN", "Lag"};

    private ClusterTable() {}

    /** The table, with the title line {@code + Cluster: <scope> (<sysid>) ---...} and footer lines. */
    public static String render(String scope, ClusterView c) {
        List<String[]> rows = new ArrayList<>();
        for (Member m : c.members()) rows.add(row(c, m));
        if (c.leader() != null && c.member(c.leader().name()).isEmpty()) rows.add(row(c, c.leader().member()));
        int[] w = new int[HEADERS.length];
        for (int i = 0; i < w.length; i++) w[i] = HEADERS[i].length();
        for (String[] r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r[i].length());
        String sep = separator(w);
        String sysid = c.initialize() == null ? "uninitialized" : c.initialize().isEmpty() ? "initializing"
                : c.initialize();
        String title = "+ Cluster: " + scope + " (" + sysid + ") ";
        StringBuilder sb = new StringBuilder();
        sb.append(title.length() < sep.length() ? title + sep.substring(title.length()) : title).append('\n');
        sb.append(line(HEADERS, w, false)).append('\n').append(sep).append('\n');
        for (String[] r : rows) sb.append(line(r, w, true)).append('\n');
        sb.append(sep).append('\n');
        if (c.isPaused()) sb.append(" Maintenance mode: on\n");
        if (c.failover() != null && c.failover().scheduledAt() != null) {
            sb.append(" Switchover scheduled at: ").append(c.failover().scheduledAt()).append('\n');
            if (c.failover().leader() != null) sb.append("                    from: ").append(c.failover().leader())
                    .append('\n');
            if (c.failover().candidate() != null) sb.append("                      to: ")
                    .append(c.failover().candidate()).append('\n');
        }
        return sb.toString();
    }

    private static String[] row(ClusterView c, Member m) {
        boolean leader = c.isLeader(m.name());
        String role = leader ? "Leader" : c.sync() != null && c.sync().syncStandbys().contains(m.name())
                ? "Sync Standby" : "Replica";
        String state = m.data().replicationState() != null && !leader ? m.data().replicationState()
                : m.state() == null ? "" : m.state();
        String tl = m.data().timeline() == null ? "" : m.data().timeline().toString();
        String recv = "";
        String recvLag = "";
        String replay = "";
        String replayLag = "";
        if (!leader) {
            long optime = c.status().optime();
            Long r = m.data().receiveLsn() != null ? m.data().receiveLsn() : m.data().xlogLocation();
            Long p = m.data().replayLsn() != null ? m.data().replayLsn() : m.data().xlogLocation();
            if (r != null) {
                recv = lsn(r);
                recvLag = lagMb(optime, r);
            }
            if (p != null) {
                replay = lsn(p);
                replayLag = lagMb(optime, p);
            }
        }
        return new String[] {m.name(), host(m.connUrl()), role, state, tl, recv, recvLag, replay, replayLag};
    }

    static String host(String connUrl) {
        if (connUrl == null) return "";
        try {
            URI u = URI.create(connUrl);
            return u.getPort() > 0 && u.getPort() != 5432 ? u.getHost() + ":" + u.getPort() : u.getHost();
        } catch (IllegalArgumentException e) {
            return connUrl;
        }
    }

    /** PostgreSQL's {@code X/Y} LSN notation. */
    public static String lsn(long v) {
        return Long.toHexString(v >>> 32).toUpperCase() + "/" + Long.toHexString(v & 0xFFFFFFFFL).toUpperCase();
    }

    private static String lagMb(long optime, long pos) {
        if (optime <= 0) return "unknown";
        long lag = Math.max(0, optime - pos);
        return Long.toString(Math.round(lag / 1048576.0));
    }

    private static String separator(int[] w) {
        StringBuilder sb = new StringBuilder("+");
        for (int x : w) sb.append("-".repeat(x + 2)).append('+');
        return sb.toString();
    }

    private static String line(String[] cells, int[] w, boolean alignNumbers) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < w.length; i++) {
            boolean right = alignNumbers && (i >= 4);
            String cell = cells[i];
            String pad = " ".repeat(w[i] - cell.length());
            sb.append(' ').append(right ? pad + cell : cell + pad).append(" |");
        }
        return sb.toString();
    }
}
