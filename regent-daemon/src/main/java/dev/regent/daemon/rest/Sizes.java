package dev.regent.daemon.rest;

import java.util.Locale;
import java.util.Map;

/** Parses PostgreSQL-style byte sizes ({@code 16kB}, {@code 64MB}, {@code 1GB}, plain bytes), as Patroni's parse_int. */
final class Sizes {
    private static final Map<String, Long> UNITS = Map.of("b", 1L, "kb", 1024L, "mb", 1024L * 1024,
            "gb", 1024L * 1024 * 1024, "tb", 1024L * 1024 * 1024 * 1024);

    private Sizes() {}

    private static boolean isNumberChar(char c, int index) {
        return Character.isDigit(c) || c == '.' || (index == 0 && c == '-');
    }

    /** Bytes, or {@code dflt} when the value is absent or unparsable (Patroni then treats the node as not lagging). */
    static long parseBytes(String value, long dflt) {
        if (value == null) return dflt;
        String v = value.trim();
        int i = 0;
        while (i < v.length() && isNumberChar(v.charAt(i), i)) i++;
        if (i == 0) return dflt;
        String unit = v.substring(i).trim().toLowerCase(Locale.ROOT);
        Long mult = unit.isEmpty() ? Long.valueOf(1) : UNITS.get(unit);
        if (mult == null) return dflt;
        try {
            return Math.round(Double.parseDouble(v.substring(0, i)) * mult);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
