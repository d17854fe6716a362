package dev.regent.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A timeline's history file ({@code pg_wal/0000000N.history}): one line per switch, {@code parentTLI  switchpoint
 * reason}, the last one being where timeline N began. Two members that promoted from the same timeline at different
 * points hold different files for the same timeline number; the divergence rule compares this start with the
 * leader's {@code /history}.
 */
public final class TimelineHistoryFile {
    private TimelineHistoryFile() {}

    /** One line of a history file: the parent timeline, where the child forked off it, and why. */
    public record Line(int parentTimeline, long switchpoint, String reason) {}

    /** A server's timeline and the lines of its history file (none on timeline 1), oldest first. */
    public record OfServer(int timeline, List<Line> lines) {
        public OfServer {
            lines = List.copyOf(lines);
        }
    }

    /** The file name of {@code timeline}'s history, as PostgreSQL names it ({@code 00000003.history}). */
    public static Path path(Path dataDir, int timeline) {
        return dataDir.resolve("pg_wal").resolve(String.format(Locale.ROOT, "%08X.history", timeline));
    }

    /**
     * The last line of {@code timeline}'s history file in {@code dataDir}: the timeline it forked from and where.
     * Null when there is no such file (timeline 1) or it holds no line.
     */
    public static Line lastLine(Path dataDir, int timeline) throws IOException {
        if (timeline <= 1 || !Files.exists(path(dataDir, timeline))) return null;
        Line last = null;
        for (Line l : parse(Files.readAllLines(path(dataDir, timeline)))) last = l;
        return last;
    }

    /** The entry lines of a history file (comments and blank lines skipped). */
    static List<Line> parse(List<String> lines) {
        List<Line> out = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            String[] fields = t.split("\\s+", 3);
            if (fields.length < 2 || !fields[1].contains("/")) continue;
            out.add(new Line(Integer.parseInt(fields[0]), ControlData.lsn(fields[1]),
                    fields.length > 2 ? fields[2] : ""));
        }
        return out;
    }

    /**
     * Writes {@code timeline}'s history file with {@code lines} in PostgreSQL's format ({@code tli\tX/Y\treason}),
     * unless a file for that timeline exists (a real one always wins). Written to a temporary file and renamed, as
     * PostgreSQL does, so a reader never sees half a file. Returns whether it wrote.
     */
    public static boolean writeIfAbsent(Path dataDir, int timeline, List<Line> lines) throws IOException {
        if (timeline <= 1) throw new IllegalArgumentException("timeline 1 has no history file");
        Path file = path(dataDir, timeline);
        if (Files.exists(file)) return false;
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            b.append(l.parentTimeline()).append('\t').append(ControlData.formatLsn(l.switchpoint())).append('\t')
                    .append(l.reason() == null || l.reason().isBlank() ? "no recovery target specified" : l.reason())
                    .append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".regent.tmp");
        Files.writeString(tmp, b.toString());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** Where {@code timeline} began according to its history file in {@code dataDir}, null when unknown or 1. */
    public static Long startOf(Path dataDir, int timeline) {
        if (timeline <= 1) return null;
        Path file = dataDir.resolve("pg_wal").resolve(String.format(Locale.ROOT, "%08X.history", timeline));
        try {
            return lastSwitchpoint(Files.readAllLines(file));
        } catch (IOException | RuntimeException e) {
            return null;  // not there (yet) or unreadable: unknown, the rule then relies on LSNs alone
        }
    }

    /** The switchpoint of the last entry line (comments and blank lines skipped), null when there is none. */
    static Long lastSwitchpoint(List<String> lines) {
        Long last = null;
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            String[] fields = t.split("\\s+");
            if (fields.length < 2 || !fields[1].contains("/")) continue;
            last = ControlData.lsn(fields[1]);
        }
        return last;
    }
}
