package dev.regent.core.ledger;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The cluster's story: ledger entries of several members merged in time order, one plain line each. Pure. */
public final class Story {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Story() {}

    /**
     * The entries of all members in time order (ties: by member, then cycle), at most the last {@code limit}
     * ({@code limit <= 0}: all).
     */
    public static List<LedgerEntry> merge(Collection<List<LedgerEntry>> perMember, int limit) {
        List<LedgerEntry> all = new ArrayList<>();
        perMember.forEach(all::addAll);
        all.sort(Comparator.comparingLong(LedgerEntry::timeMillis).thenComparing(LedgerEntry::member)
                .thenComparingLong(LedgerEntry::cycle));
        return limit > 0 && all.size() > limit ? List.copyOf(all.subList(all.size() - limit, all.size())) : all;
    }

    /** {@code 2026-12-02 16:40:01 node1 won the leader race: ...} in {@code zone}. */
    public static String line(LedgerEntry e, ZoneId zone) {
        String outcome = e.outcome().equals("ok") ? "" : " [" + e.outcome() + "]";
        return TIME.format(Instant.ofEpochMilli(e.timeMillis()).atZone(zone)) + " " + e.summary() + outcome;
    }
}
