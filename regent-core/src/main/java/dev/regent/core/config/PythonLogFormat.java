package dev.regent.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Python logging format string in {@code %} style ({@code %(asctime)s %(levelname)s: %(message)s}), parsed into
 * literal text and {@code %(field)[flags][width][.precision]conversion} placeholders, as Python's
 * {@code logging.Formatter} reads {@code log.format}. Immutable and thread-safe.
 *
 * @param parts the literal texts and fields in order
 */
public record PythonLogFormat(List<Part> parts) {
    /** Patroni's default, {@code %(asctime)s %(levelname)s: %(message)s}. */
    public static final String DEFAULT = "%(asctime)s %(levelname)s: %(message)s";

    /** The attributes of Python's {@code LogRecord} (plus {@code asctime} and {@code message}). */
    public static final Set<String> RECORD_FIELDS = Set.of("name", "msg", "args", "levelname", "levelno",
            "pathname", "filename", "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created",
            "msecs", "relativeCreated", "thread", "threadName", "processName", "process", "taskName", "message",
            "asctime");

    private static final Pattern FIELD = Pattern.compile("%\\((\\w+)\\)([#0+ -]*)(\\d*)(?:\\.(\\d+))?([diouxXeEfFgGcrsa])");

    /** One piece of a format. */
    public sealed interface Part permits Literal, Field {}

    /** Text copied as is ({@code %%} already turned into {@code %}). */
    public record Literal(String text) implements Part {}

    /**
     * A placeholder.
     *
     * @param name       the record attribute
     * @param flags      Python's conversion flags ({@code -}, {@code 0}, {@code +}, space, {@code #})
     * @param width      minimum width, 0 when none
     * @param precision  precision, -1 when none
     * @param conversion the conversion character ({@code s}, {@code d}, {@code f}, ...)
     */
    public record Field(String name, String flags, int width, int precision, char conversion) implements Part {}

    public PythonLogFormat {
        parts = List.copyOf(parts);
    }

    /** Patroni's default format. */
    public static PythonLogFormat defaultFormat() {
        return parse(DEFAULT);
    }

    /**
     * Parses {@code format}.
     *
     * @throws IllegalArgumentException naming the position of a {@code %} that starts no valid placeholder, or when
     *                                  there is no placeholder at all (Python refuses such a format)
     */
    public static PythonLogFormat parse(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Matcher m = FIELD.matcher(format);
        int i = 0;
        boolean anyField = false;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c != '%') {
                text.append(c);
                i++;
            } else if (format.startsWith("%%", i)) {
                text.append('%');
                i += 2;
            } else if (m.find(i) && m.start() == i) {
                if (!text.isEmpty()) {
                    parts.add(new Literal(text.toString()));
                    text.setLength(0);
                }
                parts.add(new Field(m.group(1), m.group(2), m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3)),
                        m.group(4) == null ? -1 : Integer.parseInt(m.group(4)), m.group(5).charAt(0)));
                anyField = true;
                i = m.end();
            } else {
                throw new IllegalArgumentException("invalid placeholder at position " + (i + 1) + " of '" + format
                        + "': expected %(name)s or %%");
            }
        }
        if (!text.isEmpty()) {
            parts.add(new Literal(text.toString()));
        }
        if (!anyField) {
            throw new IllegalArgumentException("'" + format + "' has no %(name)s placeholder");
        }
        return new PythonLogFormat(parts);
    }

    /** The field names in order of appearance (repeated names once). */
    public List<String> fieldNames() {
        List<String> out = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Field f && !out.contains(f.name())) out.add(f.name());
        }
        return out;
    }
}
