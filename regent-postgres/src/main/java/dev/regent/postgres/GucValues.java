package dev.regent.postgres;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses GUC values as PostgreSQL does (guc.c {@code parse_bool}, {@code parse_int}, {@code parse_real}): booleans
 * by unique prefix, numbers in decimal, hex or with a fraction, followed by an optional unit of the GUC's unit family
 * ({@code B kB MB GB TB}, {@code us ms s min h d}, case-sensitive). Pure and thread-safe.
 */
public final class GucValues {
    private static final Pattern NUMBER = Pattern.compile(
            "([+-]?(?:0[xX][0-9a-fA-F]+|\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?))\\s*([A-Za-z]*)");
    private static final Map<String, Double> MEMORY = Map.of("B", 1.0, "kB", 1024.0, "MB", 1024.0 * 1024,
            "GB", 1024.0 * 1024 * 1024, "TB", 1024.0 * 1024 * 1024 * 1024);
    private static final Map<String, Double> TIME = Map.of("us", 1.0, "ms", 1e3, "s", 1e6, "min", 6e7, "h", 3.6e9,
            "d", 8.64e10);
    private static final Pattern BASE_UNIT = Pattern.compile("(\\d*)\\s*([A-Za-z]+)");

    private GucValues() {}

    /** True/false for a value PostgreSQL reads as a boolean, null otherwise. */
    public static Boolean parseBool(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return null;
        }
        if ("true".startsWith(v) || "yes".startsWith(v) || "1".equals(v) || (v.length() >= 2 && "on".startsWith(v))) {
            return Boolean.TRUE;
        }
        if ("false".startsWith(v) || "no".startsWith(v) || "0".equals(v)
                || (v.length() >= 2 && "off".startsWith(v))) {
            return Boolean.FALSE;
        }
        return null;
    }

    /**
     * The value in {@code baseUnit} (e.g. {@code 8kB}, {@code ms}; null for a unit-less GUC), rounded for integers;
     * empty when PostgreSQL would reject the text (not a number, a unit where none is allowed, a unit of another
     * family or an unknown unit).
     */
    public static OptionalDouble parseNumber(String value, String baseUnit, boolean integer) {
        Matcher m = NUMBER.matcher(value.strip());
        if (!m.matches()) {
            return OptionalDouble.empty();
        }
        String digits = m.group(1);
        double n;
        try {
            n = digits.toLowerCase(Locale.ROOT).matches("[+-]?0x.*")
                    ? Long.parseLong(digits.replaceFirst("0[xX]", ""), 16) : Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
        String unit = m.group(2);
        if (!unit.isEmpty()) {
            if (baseUnit == null) {
                return OptionalDouble.empty();
            }
            Matcher b = BASE_UNIT.matcher(baseUnit);
            if (!b.matches()) {
                return OptionalDouble.empty();
            }
            double baseMultiplier = b.group(1).isEmpty() ? 1 : Double.parseDouble(b.group(1));
            Map<String, Double> family = MEMORY.containsKey(b.group(2)) ? MEMORY : TIME;
            Double from = family.get(unit);
            Double base = family.get(b.group(2));
            if (from == null || base == null) {
                return OptionalDouble.empty();
            }
            n = n * from / (base * baseMultiplier);
        }
        return OptionalDouble.of(integer ? Math.rint(n) : n);
    }
}
