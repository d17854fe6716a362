package dev.regent.daemon.log;

import dev.regent.core.config.PythonLogFormat.Field;
import java.math.BigDecimal;
import java.util.IllegalFormatException;
import java.util.Locale;

/**
 * Python's renderings of log record values: {@code str()} ({@code None}, {@code True}, {@code 415.0}) and the
 * {@code %} operator's conversions with flags, width and precision ({@code %(levelname)-8s}, {@code %(msecs)03d}).
 * A value a conversion does not fit (Python would fail the whole line) is written with {@code str()}. Stateless.
 */
final class PythonValues {
    private PythonValues() {}

    /** Python's {@code str(value)} for the values a record holds. */
    static String str(Object value) {
        if (value == null) return "None";
        if (value instanceof Boolean b) return b ? "True" : "False";
        if (value instanceof Double d) return floatRepr(d);
        return value.toString();
    }

    /** Python's {@code repr(float)} for the magnitudes a record holds (no exponent below 1e16). */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (Math.abs(d) >= 1e16) return Double.toString(d);
        String s = new BigDecimal(Double.toString(d)).toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    /** {@code "%" + spec % value} as Python computes it, for one placeholder. */
    static String convert(Field f, Object value) {
        char c = f.conversion();
        String flags = f.flags().replace("#", "");
        String width = f.width() > 0 ? Integer.toString(f.width()) : "";
        try {
            switch (c) {
                case 'd', 'i', 'u' -> {
                    if (value instanceof Number n) return java(flags, width, "", 'd', n.longValue());
                }
                case 'o', 'x', 'X' -> {
                    if (value instanceof Number n) return java(flags.replace("+", "").replace(" ", ""), width, "",
                            c, n.longValue());
                }
                case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                    if (value instanceof Number n) {
                        String precision = "." + (f.precision() >= 0 ? f.precision() : 6);
                        return java(flags, width, precision, c == 'F' ? 'f' : c, n.doubleValue());
                    }
                }
                case 'c' -> {
                    if (value instanceof Number n) return pad(String.valueOf((char) n.intValue()), f);
                }
                case 'r' -> {
                    return pad(value instanceof String s ? repr(s) : str(value), f);
                }
                default -> {
                    // s, a and the fallbacks below
                }
            }
        } catch (IllegalFormatException e) {
            // Python would reject the combination; write the value as str() like the fallback below
        }
        String s = str(value);
        if (f.precision() >= 0 && (c == 's' || c == 'a' || c == 'r') && s.length() > f.precision()) {
            s = s.substring(0, f.precision());
        }
        return pad(s, f);
    }

    /** Python's {@code repr(str)}: single quotes unless the text has one and no double quote. */
    private static String repr(String s) {
        char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        String body = s.replace("\\", "\\\\").replace("\n", "\\n").replace(String.valueOf(q), "\\" + q);
        return q + body + q;
    }

    private static String java(String flags, String width, String precision, char conversion, Object value) {
        String fl = flags;
        if (fl.contains("-") && fl.contains("0")) fl = fl.replace("0", ""); // Python: - wins over 0
        if (fl.contains("+") && fl.contains(" ")) fl = fl.replace(" ", "");
        if (width.isEmpty()) fl = fl.replace("0", "").replace("-", "");
        return String.format(Locale.ROOT, "%" + fl + width + precision + conversion, value);
    }

    private static String pad(String s, Field f) {
        if (s.length() >= f.width()) return s;
        String fill = " ".repeat(f.width() - s.length());
        return f.flags().contains("-") ? s + fill : fill + s;
    }
}
