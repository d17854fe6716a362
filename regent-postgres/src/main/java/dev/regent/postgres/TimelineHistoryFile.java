package dev.regent.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
