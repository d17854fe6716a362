package dev.regent.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The validated {@code log} section (spec §1.3), with Patroni's defaults filled in.
 *
 * @param level                    root level, upper case as configured ({@code DEBUG}, {@code INFO}, {@code WARNING},
 *                                 {@code WARN}, {@code ERROR}, {@code CRITICAL}, {@code FATAL})
 * @param tracebackLevel           {@code ERROR} (stack traces always shown) or {@code DEBUG} (only where DEBUG is
 *                                 enabled)
 * @param type                     {@code plain} or {@code json}
 * @param plainFormat              the format of a plain line ({@link PythonLogFormat#DEFAULT} unless set)
 * @param jsonFields               the fields of a JSON line, in order, with their output keys
 * @param dateformat               Python {@code strftime} format of {@code asctime}, or null for
 *                                 {@code 2026-01-01 10:00:00,123}
 * @param staticFields             constant fields added to every JSON line (empty when none)
 * @param maxQueueSize             records waiting to be written before new ones are dropped
 * @param dir                      directory of {@code patroni.log}, or null for standard error
 * @param fileNum                  rotated files kept besides {@code patroni.log}
 * @param fileSize                 size in bytes that rotates {@code patroni.log}
 * @param mode                     permission bits of the log files, or null for the umask's
 * @param loggers                  per-logger levels (upper case; {@code NOTSET} inherits)
 * @param deduplicateHeartbeatLogs Patroni's {@code deduplicate_heartbeat_logs}, null when unset
 */
public record LogConfig(String level, String tracebackLevel, String type, PythonLogFormat plainFormat,
                        List<JsonField> jsonFields, String dateformat, Map<String, Object> staticFields,
                        int maxQueueSize, String dir, int fileNum, long fileSize, Integer mode,
                        Map<String, String> loggers, Boolean deduplicateHeartbeatLogs) {
    public static final int DEFAULT_MAX_QUEUE_SIZE = 1000;
    public static final int DEFAULT_FILE_NUM = 4;
    public static final long DEFAULT_FILE_SIZE = 25_000_000L;

    /** One field of a JSON line: the record attribute and the key it is written under. */
    public record JsonField(String field, String key) {}

    public LogConfig {
        jsonFields = List.copyOf(jsonFields);
        staticFields = staticFields == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(staticFields));
        loggers = loggers == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(loggers));
    }

    /** Patroni's defaults: INFO, plain, the default format, standard error. */
    public static LogConfig defaults() {
        return new LogConfig("INFO", "ERROR", "plain", PythonLogFormat.defaultFormat(),
                jsonFieldsOf(PythonLogFormat.defaultFormat()), null, Map.of(), DEFAULT_MAX_QUEUE_SIZE, null,
                DEFAULT_FILE_NUM, DEFAULT_FILE_SIZE, null, Map.of(), null);
    }

    /** True for {@code type: json}. */
    public boolean json() {
        return type.toLowerCase(Locale.ROOT).equals("json");
    }

    /** True when stack traces are shown only where DEBUG is enabled. */
    public boolean tracebackOnlyAtDebug() {
        return tracebackLevel.equalsIgnoreCase("debug");
    }

    /** The JSON fields a string format names, each under its own name. */
    static List<JsonField> jsonFieldsOf(PythonLogFormat format) {
        return format.fieldNames().stream().map(n -> new JsonField(n, n)).toList();
    }
}
