package dev.regent.core.method;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Python's view of YAML values, as Patroni applies it to method sections: {@link #truthy} is {@code bool(v)} (so
 * {@code no_leader: "0"} is true, as in Patroni), {@link #str} is {@code str(v)}, which {@code "--{0}={1}".format}
 * puts into a method's arguments ({@code True}, {@code None}, {@code ['a', 'b']}). Pure.
 */
public final class PythonValues {
    private PythonValues() {}

    /** Python's {@code bool(v)} of a YAML value. */
    public static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        return true;
    }

    /** Python's {@code str(v)} of a YAML value (strings as they are, containers in repr form). */
    public static String str(Object v) {
        return v instanceof String s ? s : repr(v);
    }

    private static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Double || v instanceof Float) {
            return floatRepr(((Number) v).doubleValue());
        }
        if (v instanceof Number n) {
            return n.toString();
        }
        if (v instanceof String s) {
            return stringRepr(s);
        }
        if (v instanceof List<?> l) {
            StringJoiner j = new StringJoiner(", ", "[", "]");
            l.forEach(x -> j.add(repr(x)));
            return j.toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringJoiner j = new StringJoiner(", ", "{", "}");
            m.forEach((k, x) -> j.add(repr(k) + ": " + repr(x)));
            return j.toString();
        }
        return v.toString();
    }

    /** Python's float repr: plain between 1e-4 and 1e16, else {@code 1e+16} / {@code 1.5e-05}. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        double abs = Math.abs(d);
        String shortest = Double.toString(d);
        if (abs == 0 || (abs >= 1e-4 && abs < 1e16)) {
            String plain = new BigDecimal(shortest).toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        BigDecimal bd = new BigDecimal(shortest).stripTrailingZeros();
        int exponent = bd.precision() - bd.scale() - 1;
        String digits = bd.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    /** Python's repr of a str: single quotes unless the text has one and no double quote. */
    static String stringRepr(String s) {
        char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == q) {
                        sb.append('\\').append(c);
                    } else if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append(q).toString();
    }
}
