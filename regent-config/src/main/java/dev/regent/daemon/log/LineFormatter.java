package dev.regent.daemon.log;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.regent.core.config.LogConfig;
import dev.regent.core.config.PythonLogFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns one event into one line (and its stack trace) as Patroni's formatters do for the {@code log} section:
 * {@code type: plain} renders {@code format} like Python's {@code logging.Formatter} (the stack trace follows the
 * line, as Logback prints it); {@code type: json} writes python-json-logger's object: the format's fields under their
 * keys, then {@code static_fields}, then {@code exc_info} with the stack trace. With {@code traceback_level: DEBUG} a
 * stack trace is shown only where the event's logger had DEBUG enabled when it logged; elsewhere the message ends with Patroni's
 * {@code , DETAIL: '<exception message>'}. Used by the one writer thread only.
 */
final class LineFormatter {
    private static final String NL = System.lineSeparator();

    private final LogConfig config;
    private final LoggerContext context;
    private final ThrowableProxyConverter traces = new ThrowableProxyConverter();

    LineFormatter(LogConfig config, LoggerContext context) {
        this.config = config;
        this.context = context;
        traces.setContext(context);
        traces.start();
    }

    /** True when the format names caller attributes, which must be captured on the logging thread. */
    boolean needsCallerData() {
        var names = config.json() ? config.jsonFields().stream().map(LogConfig.JsonField::field).toList()
                : config.plainFormat().fieldNames();
        return names.stream().anyMatch(n -> n.equals("module") || n.equals("filename") || n.equals("funcName")
                || n.equals("lineno") || n.equals("pathname"));
    }

    /**
     * The line (and stack trace) of {@code event}, logged on thread {@code threadId}; {@code debug}: its logger had
     * DEBUG on when it logged, which decides the stack trace under {@code traceback_level: DEBUG}.
     */
    String format(ILoggingEvent event, long threadId, boolean debug) {
        String message = event.getFormattedMessage();
        String trace = null;
        if (event.getThrowableProxy() != null) {
            if (!config.tracebackOnlyAtDebug() || debug) {
                trace = traces.convert(event);
            } else {
                message = message + ", DETAIL: '" + LogRecordView.exceptionDetail(event) + "'";
            }
        }
        LogRecordView r = new LogRecordView(event, threadId, message, trace, config.dateformat(),
                context.getBirthTime());
        return config.json() ? json(r) : plain(r);
    }

    private String plain(LogRecordView r) {
        StringBuilder out = new StringBuilder();
        for (PythonLogFormat.Part p : config.plainFormat().parts()) {
            if (p instanceof PythonLogFormat.Literal l) {
                out.append(l.text());
            } else if (p instanceof PythonLogFormat.Field f) {
                out.append(PythonValues.convert(f, r.get(f.name())));
            }
        }
        out.append(NL);
        if (r.excText() != null) out.append(r.excText());
        return out.toString();
    }

    private String json(LogRecordView r) {
        Map<String, Object> fields = new LinkedHashMap<>();
        Map<String, String> renames = new LinkedHashMap<>();
        config.jsonFields().forEach(f -> renames.put(f.field(), f.key()));
        for (LogConfig.JsonField f : config.jsonFields()) {
            fields.put(f.key(), r.get(f.field()));
        }
        config.staticFields().forEach((k, v) -> fields.put(renames.getOrDefault(k, k), v));
        if (r.excText() != null) {
            fields.put(renames.getOrDefault("exc_info", "exc_info"), r.excText().stripTrailing());
        }
        return PythonJson.dumps(fields) + NL;
    }
}
