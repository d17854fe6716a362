package dev.regent.daemon.log;

import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} with its defaults, which python-json-logger (Patroni's JSON log) uses: separators
 * {@code ", "} and {@code ": "}, non-ASCII characters escaped ({@code ensure_ascii}), {@code None} as {@code null}.
 * Values: null, strings, booleans, numbers, maps and lists of these (anything else is written as its string).
 * Stateless.
 */
public final class PythonJson {
    private PythonJson() {}

    public static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString();
    }

    private static void write(StringBuilder out, Object v) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double d) {
            out.append(Double.isFinite(d) ? PythonValues.floatRepr(d) : Double.isNaN(d) ? "NaN"
                    : d > 0 ? "Infinity" : "-Infinity");
        } else if (v instanceof Float f) {
            write(out, (double) f);
        } else if (v instanceof Number n) {
            out.append(n);
        } else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) out.append(", ");
                first = false;
                string(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue());
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) out.append(", ");
                write(out, l.get(i));
            }
            out.append(']');
        } else {
            string(out, v.toString());
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
