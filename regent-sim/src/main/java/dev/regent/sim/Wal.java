package dev.regent.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The WAL a simulated data directory holds, as a chain of timeline segments: each segment is one stretch of WAL
 * written on one timeline by one primary, from the position where its timeline forked ({@code start}) to where it
 * ends. Segments carry a unique id besides the timeline number, because two nodes promoted from the same timeline
 * (a split brain) write different WAL under the same timeline number. Two WALs share history up to a segment's end
 * when they hold the same segment id. Immutable.
 */
public record Wal(List<Segment> segments) {
    /** One timeline's stretch of WAL: positions in (start, end] were written by the primary that created it. */
    public record Segment(long uid, int timeline, long start, long end) {
        Segment withEnd(long e) {
            return new Segment(uid, timeline, start, e);
        }
    }

    /** A fresh cluster's WAL (initdb): timeline 1 starting at 16 MiB, as PostgreSQL's first segment. */
    public static Wal initdb(long uid) {
        return new Wal(List.of(new Segment(uid, 1, 0x1000000L, 0x1000000L + 0x28L)));
    }

    public Wal {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) throw new IllegalArgumentException("a WAL has at least one segment");
    }

    public Segment last() {
        return segments.get(segments.size() - 1);
    }

    /** The position of the last WAL record (pg_current_wal_lsn on a primary, received LSN on a replica). */
    public long end() {
        return last().end();
    }

    public int timeline() {
        return last().timeline();
    }

    /** This WAL with {@code bytes} more written on its last timeline. */
    public Wal append(long bytes) {
        List<Segment> s = new ArrayList<>(segments);
        s.set(s.size() - 1, last().withEnd(last().end() + bytes));
        return new Wal(s);
    }

    /** This WAL after a promotion: a new timeline (one more than the last) starts at the end. */
    public Wal fork(long uid) {
        return fork(uid, timeline() + 1);
    }

    /** This WAL after a promotion to {@code timeline} (newer than the last): the new timeline starts at the end. */
    public Wal fork(long uid, int timeline) {
        if (timeline <= timeline()) throw new IllegalArgumentException("timeline " + timeline + " is not newer");
        List<Segment> s = new ArrayList<>(segments);
        s.add(new Segment(uid, timeline, end(), end()));
        return new Wal(s);
    }

    /** The segment with id {@code uid}, or null. */
    public Segment segment(long uid) {
        for (Segment s : segments) if (s.uid() == uid) return s;
        return null;
    }

    /** True when this WAL holds the record written at {@code lsn} on segment {@code uid}. */
    public boolean contains(long uid, long lsn) {
        Segment s = segment(uid);
        return s != null && s.start() < lsn && lsn <= s.end();
    }

    /** True when all of this WAL is also in {@code other} (so a replica holding this can stream from {@code other}). */
    public boolean isPrefixOf(Wal other) {
        Segment mine = last();
        Segment theirs = other.segment(mine.uid());
        if (theirs != null) return theirs.end() >= mine.end();
        // A timeline switch without a record of its own yet: PostgreSQL knows a timeline by its number and the point
        // where it forked (its history file), not by who promoted, so another primary's timeline of the same number
        // forked at the same point continues this data directory (two members promoted the same WAL, one after the
        // other, and this replica followed the first one's switch but received nothing written after it).
        if (mine.start() != mine.end() || segments.size() < 2) return false;
        Wal before = new Wal(segments.subList(0, segments.size() - 1));
        for (Segment s : other.segments) {
            if (s.timeline() == mine.timeline() && s.start() == mine.start()) return before.isPrefixOf(other);
        }
        return false;
    }

    /**
     * {@code source}'s WAL up to {@code position} (its whole WAL when position is past its end): what a replica holds
     * after streaming up to there, or a data directory after pg_rewind or a base backup.
     */
    public static Wal upTo(Wal source, long position) {
        List<Segment> s = new ArrayList<>();
        for (Segment seg : source.segments) {
            if (!s.isEmpty() && seg.start() > position) break;
            s.add(seg.end() > position ? seg.withEnd(Math.max(seg.start(), position)) : seg);
        }
        return new Wal(s);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Segment s : segments) {
            if (b.length() > 0) b.append(' ');
            b.append("tl").append(s.timeline()).append('#').append(s.uid()).append('(')
                    .append(Long.toHexString(s.start())).append("..").append(Long.toHexString(s.end())).append(')');
        }
        return b.toString();
    }
}
