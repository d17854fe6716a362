package dev.regent.sim;

import dev.regent.core.sync.SyncStandbyNames;
import dev.regent.core.sync.SyncStandbyNames.Kind;
import dev.regent.core.sync.SyncStandbyNames.Parsed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * PostgreSQL's synchronous replication on a simulated primary, for one value of {@code synchronous_standby_names}: which
 * connected standbys are synchronous, what {@code pg_stat_replication.sync_state} says of each, and whether a commit is
 * acknowledged. Priority form ({@code name}, {@code n (a,b)}): the {@code n} connected standbys listed first (a
 * {@code *} matches any standby at its position; ties go to the lower node index, as PostgreSQL's walsender slots)
 * must hold the commit, and with fewer than {@code n} connected it waits. Quorum form ({@code ANY n (...)}): any
 * {@code n} listed standbys holding it. Empty: the primary alone acknowledges.
 */
final class SyncRep {
    private final Parsed parsed;
    private final List<Node> standbys;

    /**
     * @param standbyNames the primary's {@code synchronous_standby_names}
     * @param standbys     the standbys streaming from the primary now (connected walreceivers)
     */
    SyncRep(String standbyNames, List<Node> standbys) {
        this.parsed = SyncStandbyNames.parse(standbyNames);
        this.standbys = List.copyOf(standbys);
    }

    boolean off() {
        return parsed.kind() == Kind.OFF;
    }

    /** 1-based position of the first list entry matching {@code n} ({@code *} matches any), 0 when not listed. */
    private int priority(Node n) {
        List<String> members = parsed.members();
        for (int i = 0; i < members.size(); i++) {
            String m = members.get(i);
            if (m.equals(SyncStandbyNames.STAR) || m.equalsIgnoreCase(n.name)) return i + 1;
        }
        return 0;
    }

    /** Priority form: the standbys that are synchronous now (at most {@code num}). */
    private List<Node> syncSet() {
        List<Node> listed = new ArrayList<>();
        for (Node n : standbys) if (priority(n) > 0) listed.add(n);
        listed.sort(Comparator.comparingInt(this::priority).thenComparingInt(n -> n.index));
        return listed.subList(0, Math.min(parsed.num(), listed.size()));
    }

    /** {@code pg_stat_replication.sync_state} of connected standby {@code n}. */
    String syncState(Node n) {
        if (off() || priority(n) == 0) return "async";
        if (parsed.kind() == Kind.QUORUM) return "quorum";
        return syncSet().contains(n) ? "sync" : "potential";
    }

    /** Whether the commit at {@code lsn} on WAL segment {@code segment} is acknowledged to the client now. */
    boolean acknowledged(long segment, long lsn) {
        if (off()) return true;
        if (parsed.kind() == Kind.QUORUM) {
            long holding = standbys.stream().filter(n -> priority(n) > 0 && n.pg.wal().contains(segment, lsn)).count();
            return holding >= parsed.num();
        }
        List<Node> sync = syncSet();
        return sync.size() >= parsed.num() && sync.stream().allMatch(n -> n.pg.wal().contains(segment, lsn));
    }
}
