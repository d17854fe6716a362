package dev.regent.daemon.loop;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.TimelineHistory;
import dev.regent.dcs.Dcs;
import dev.regent.time.Ticker;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the timeline a promotion left to {@code /history}, as Patroni does from the new timeline's history file.
 * Called once per completed promotion, from the thread that promoted.
 */
final class PromotionHistory {
    private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);
    private static final int CAS_ATTEMPTS = 5;
    /** Python's {@code datetime.isoformat()} with microseconds and a numeric offset, as Patroni writes. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private final Dcs dcs;
    private final Ticker ticker;

    PromotionHistory(Dcs dcs, Ticker ticker) {
        this.dcs = dcs;
        this.ticker = ticker;
    }

    /**
     * The timeline left is the new timeline's parent as its history file names it (the last line: parent timeline and
     * switch point), as Patroni reads it: the new timeline need not be the old one plus one, since the promotion may
     * have skipped numbers other members used ({@code TimelineReservation}). Without that file, the new timeline minus
     * one (the timeline seen before promote may be stale on a replica whose last restartpoint predates a previous
     * switchover) and the position seen before promote.
     *
     * <p>The earlier entries come from a fresh read of {@code /history}, not from the cycle's view, and the write is a
     * CAS on that read (re-read and merged on conflict): a view read before the previous leader's own history write
     * landed, or a deposed leader finishing its write late, must not drop an entry. Failures are logged, never thrown:
     * the promotion stands.
     *
     * @param timelineAfter  the timeline postgres is on after the promotion (0 when unknown); asked once
     * @param timelineSwitch the last line of a timeline's history file, null when unknown
     */
    void write(ClusterView c, LocalPostgres before, IntSupplier timelineAfter,
               IntFunction<TimelineHistory.Entry> timelineSwitch) {
        int newTimeline = 0;
        try {
            newTimeline = timelineAfter.getAsInt();
        } catch (RuntimeException e) {
            LOG.debug("timeline after promote unknown", e);
        }
        TimelineHistory.Entry parent = null;
        try {
            parent = newTimeline > 1 ? timelineSwitch.apply(newTimeline) : null;
        } catch (RuntimeException e) {
            LOG.debug("history file of timeline {} unreadable", newTimeline, e);
        }
        int oldTimeline = parent != null ? parent.timeline() : newTimeline > 1 ? newTimeline - 1
                : before.timeline() > 0 ? before.timeline() : c.timeline();
        long switchPoint = parent != null ? parent.lsn() : before.walPosition();
        String ts = OffsetDateTime.ofInstant(Instant.ofEpochMilli(ticker.wallMillis()), ZoneOffset.UTC)
                .format(TIMESTAMP);
        TimelineHistory.Entry left = new TimelineHistory.Entry(oldTimeline, switchPoint,
                "no recovery target specified", ts, dcs.name());
        try {
            long conflictedAt = -1;
            for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
                TimelineHistory current = dcs.load().history();
                if (current.version() == conflictedAt) {
                    // Nobody changed it since our CAS failed: the key exists but cannot be decoded (the read logged
                    // it); Patroni overwrites such a value too.
                    dcs.setHistoryValue(appended(current, left));
                    return;
                }
                if (dcs.setHistoryValue(appended(current, left), current.version())) return;
                conflictedAt = current.version();
            }
            LOG.warn("could not update /history: it kept changing under us");
        } catch (Exception e) {
            LOG.warn("could not update /history: {}", e.getMessage());
        }
    }

    /** {@code history}'s entries of timelines before {@code left}'s, then {@code left}. */
    static TimelineHistory appended(TimelineHistory history, TimelineHistory.Entry left) {
        List<TimelineHistory.Entry> entries = new ArrayList<>();
        for (TimelineHistory.Entry e : history.entries()) if (e.timeline() < left.timeline()) entries.add(e);
        entries.add(left);
        return new TimelineHistory(0, entries);
    }
}
