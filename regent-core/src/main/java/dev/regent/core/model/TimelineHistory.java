package dev.regent.core.model;

import java.util.List;

/** The {@code history} key: one entry per timeline switch. */
public record TimelineHistory(long version, List<Entry> entries) {
    public TimelineHistory {
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    /**
     * One {@code [timeline, lsn, reason, timestamp, new_leader]} row; the last two may be null on old entries.
     */
    public record Entry(int timeline, long lsn, String reason, String timestamp, String newLeader) {}

    /** Cluster timeline as Patroni computes it: last history timeline + 1, or 1 when empty. */
    public int clusterTimeline() {
        return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).timeline() + 1;
    }
}
