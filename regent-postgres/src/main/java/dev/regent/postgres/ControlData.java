package dev.regent.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed {@code pg_controldata} output (run with {@code LANG=C}). Immutable.
 *
 * @param values every {@code key: value} line, keys as printed (e.g. {@code "Database cluster state"})
 */
public record ControlData(Map<String, String> values) {
    public ControlData {
        values = Map.copyOf(values);
    }

    /** Parses {@code key: value} lines; lines without a colon are ignored. */
    public static ControlData parse(String output) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new ControlData(m);
    }

    /** A raw value, or null. */
    public String get(String key) {
        return values.get(key);
    }

    /** "Database system identifier" (decimal text). */
    public String systemIdentifier() {
        return get("Database system identifier");
    }

    /** "Database cluster state": "in production", "shut down", "shut down in recovery", "in crash recovery", ... */
    public String clusterState() {
        return get("Database cluster state");
    }

    /** "Latest checkpoint's TimeLineID", 0 when absent. */
    public int timeline() {
        String v = get("Latest checkpoint's TimeLineID");
        return v == null ? 0 : Integer.parseInt(v);
    }

    /** "Latest checkpoint location" as a byte position, 0 when absent. */
    public long checkpointLocation() {
        return lsn(get("Latest checkpoint location"));
    }

    /** "Latest checkpoint's REDO location" as a byte position, 0 when absent. */
    public long redoLocation() {
        return lsn(get("Latest checkpoint's REDO location"));
    }

    /** "Minimum recovery ending location" as a byte position, 0 when absent. */
    public long minRecoveryEndLocation() {
        return lsn(get("Minimum recovery ending location"));
    }

    /** "Min recovery ending loc's timeline", 0 when absent. */
    public int minRecoveryEndTimeline() {
        String v = get("Min recovery ending loc's timeline");
        return v == null ? 0 : Integer.parseInt(v);
    }

    /** "wal_log_hints setting" is on. */
    public boolean walLogHints() {
        return "on".equals(get("wal_log_hints setting"));
    }

    /** "Data page checksum version" is not 0. */
    public boolean dataChecksums() {
        String v = get("Data page checksum version");
        return v != null && !"0".equals(v);
    }

    /** The controldata value of an "… setting" line as an int (e.g. {@code max_connections}), or null. */
    public Integer intSetting(String guc) {
        String v = get(guc + " setting");
        return v == null ? null : Integer.valueOf(v);
    }

    /** True when the cluster was stopped cleanly ("shut down" or "shut down in recovery"). */
    public boolean cleanlyShutDown() {
        String s = clusterState();
        return "shut down".equals(s) || "shut down in recovery".equals(s);
    }

    /** Parses {@code 0/3000028} into a byte position. */
    public static long lsn(String text) {
        if (text == null || !text.contains("/")) {
            return 0;
        }
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }

    /** Formats a byte position as PostgreSQL prints it ({@code 0/3000028}, upper-case hex). */
    public static String formatLsn(long lsn) {
        return String.format(java.util.Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
