package dev.regent.core.ha;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.core.model.TimelineHistory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The timeline history files a node writes into its {@code pg_wal} before {@code pg_ctl promote}, so that its new
 * timeline gets a number no member used before. PostgreSQL 15 names the new timeline
 * {@code findNewestTimeLine(recoveryTargetTLI) + 1}: it probes {@code pg_wal/<TLI>.history} (and the archive) for
 * TLI+1, TLI+2, ... A replica that never received the history file of a timeline another member promoted to (that
 * member was lost before the file reached it) would otherwise pick the same number again, and a replica that followed
 * the lost member's timeline could never tell the two apart (same number, same fork point). Pure.
 */
public final class TimelineReservation {
    private TimelineReservation() {}

    /**
     * The history files to write: for each timeline after {@code localTimeline} up to the newest one the cluster is
     * known to have used (from {@code /history}, the leader's and every member's published timeline), its content as
     * a real history file would hold it: the {@code /history} lines of the timelines before it. PostgreSQL only tests
     * these files for existence (the new timeline's own file is the local timeline's history plus the switch), and a
     * replica that later streams one of these timelines keeps the file it has, which matches the leader's lineage as
     * far as {@code /history} records it. Empty when nothing newer than the local timeline is known.
     */
    public static SortedMap<Integer, List<TimelineHistory.Entry>> historyFiles(ClusterView cluster, int localTimeline) {
        SortedMap<Integer, List<TimelineHistory.Entry>> files = new TreeMap<>();
        if (cluster == null || localTimeline <= 0) return Collections.unmodifiableSortedMap(files);
        int newest = newestKnown(cluster);
        List<TimelineHistory.Entry> entries = cluster.history().entries();
        for (int tli = localTimeline + 1; tli <= newest; tli++) {
            List<TimelineHistory.Entry> lines = new ArrayList<>();
            for (TimelineHistory.Entry e : entries) if (e.timeline() < tli) lines.add(e);
            files.put(tli, List.copyOf(lines));
        }
        return Collections.unmodifiableSortedMap(files);
    }

    /** The newest timeline the cluster is known to have used: {@code /history}'s and every published one. */
    static int newestKnown(ClusterView cluster) {
        int newest = cluster.history().entries().isEmpty() ? 0 : cluster.history().clusterTimeline();
        for (TimelineHistory.Entry e : cluster.history().entries()) newest = Math.max(newest, e.timeline() + 1);
        if (cluster.leader() != null && cluster.leader().member() != null) newest = Math.max(newest, timeline(
                cluster.leader().member()));
        for (Member m : cluster.members()) newest = Math.max(newest, timeline(m));
        return newest;
    }

    private static int timeline(Member m) {
        return m.data() == null || m.data().timeline() == null ? 0 : m.data().timeline();
    }
}
