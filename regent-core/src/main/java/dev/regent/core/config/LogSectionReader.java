package dev.regent.core.config;

import dev.regent.core.config.LogConfig.JsonField;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Validates the {@code log} section (spec §1.3) and builds {@link LogConfig}. Where Patroni would fail later (a format
 * Python cannot use, a level {@code logging} does not know) this is an error naming the key; where Patroni warns and
 * uses a default (a list format with {@code type: plain}, a JSON field alias that is not a string) it warns. Pure.
 */
final class LogSectionReader {
    private static final Set<String> LOGGER_LEVELS = Set.of("debug", "info", "warn", "warning", "error", "fatal",
            "critical", "notset");
    /** Python modules a Patroni configuration names in {@code log.loggers}; no Java logger has these names. */
    private static final Set<String> PYTHON_MODULES = Set.of("patroni", "urllib3", "kazoo", "etcd", "consul",
            "kubernetes", "botocore", "boto3", "psycopg", "psycopg2", "pysyncobj", "ydiff");

    private LogSectionReader() {}

    static LogConfig read(Section top) {
        Section s = top.child("log");
        s.warnUnknownKeys(ConfigSchema.LOG);
        String level = s.oneOf("level", "info", ConfigSchema.LOG_LEVELS);
        String traceback = s.oneOf("traceback_level", "error", ConfigSchema.LOG_LEVELS);
        String type = s.oneOf("type", "plain", Set.of("plain", "json"));
        String dir = s.string("dir");
        long maxQueue = s.integer("max_queue_size", (long) LogConfig.DEFAULT_MAX_QUEUE_SIZE, 1, Integer.MAX_VALUE);
        long fileNum = s.integer("file_num", (long) LogConfig.DEFAULT_FILE_NUM, 1, Integer.MAX_VALUE);
        long fileSize = s.integer("file_size", LogConfig.DEFAULT_FILE_SIZE, 1, Long.MAX_VALUE);
        Long mode = s.integer("mode", null, 0, 511);
        Boolean dedup = s.bool("deduplicate_heartbeat_logs", null);
        Map<String, Object> statics = s.plainMap("static_fields");
        String dateformat = s.string("dateformat");
        PythonLogFormat plain = PythonLogFormat.defaultFormat();
        List<JsonField> json = LogConfig.jsonFieldsOf(plain);
        ConfigValue format = s.raw("format");
        if (format != null && format.isScalar()) {
            try {
                plain = PythonLogFormat.parse(format.text());
                json = LogConfig.jsonFieldsOf(plain);
                if (!type.equals("json")) unknownFields(s, format, plain);
            } catch (IllegalArgumentException e) {
                s.problems().error(s.pathOf("format"), format, e.getMessage());
            }
        } else if (format != null && format.isList()) {
            if (type.equals("json")) {
                List<JsonField> fields = jsonFields(s, format);
                if (!fields.isEmpty()) json = fields;
            } else {
                s.problems().warn(s.pathOf("format"), format, "a list of fields is only used with type json;"
                        + " the default format '" + PythonLogFormat.DEFAULT + "' is used");
            }
        } else if (format != null) {
            s.problems().error(s.pathOf("format"), format, "must be a string or a list");
        }
        return new LogConfig(level.toUpperCase(Locale.ROOT), traceback.toUpperCase(Locale.ROOT), type, plain, json,
                dateformat == null || dateformat.isEmpty() ? null : dateformat, statics, (int) maxQueue, dir,
                (int) fileNum, fileSize, mode == null ? null : mode.intValue(), loggers(s), dedup);
    }

    /** Python's Formatter fails on every line whose format names an attribute a record does not have. */
    private static void unknownFields(Section s, ConfigValue at, PythonLogFormat format) {
        for (String f : format.fieldNames()) {
            if (!PythonLogFormat.RECORD_FIELDS.contains(f)) {
                s.problems().error(s.pathOf("format"), at, "unknown field '" + f + "'; a log record has "
                        + new java.util.TreeSet<>(PythonLogFormat.RECORD_FIELDS));
            }
        }
    }

    /** Patroni's list form: each item a field name or a {@code {field: key}} mapping. */
    private static List<JsonField> jsonFields(Section s, ConfigValue list) {
        List<JsonField> out = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            ConfigValue item = list.items().get(i);
            String path = s.pathOf("format") + "[" + i + "]";
            if (item.isScalar()) {
                out.add(new JsonField(item.text(), item.text()));
            } else if (item.isMap()) {
                item.entries().forEach((field, key) -> {
                    if (key != null && key.isScalar() && key.value() instanceof String k) {
                        out.add(new JsonField(field, k));
                    } else {
                        s.problems().warn(path + "." + field, key, "the key of a renamed field must be a string;"
                                + " field ignored");
                    }
                });
            } else {
                s.problems().warn(path, item, "must be a field name or a {field: key} mapping; ignored");
            }
        }
        return out;
    }

    private static Map<String, String> loggers(Section s) {
        Section l = s.child("loggers");
        Map<String, String> out = new LinkedHashMap<>();
        l.node().entries().keySet().forEach(name -> {
            String level = l.oneOf(name, null, LOGGER_LEVELS);
            if (level != null) out.put(name, level.toUpperCase(Locale.ROOT));
            if (PYTHON_MODULES.contains(name.split("\\.", 2)[0])) {
                l.problems().warn(l.pathOf(name), l.raw(name), "a Python module of Patroni; Regent's loggers have Java"
                        + " names (dev.regent.daemon.loop, dev.regent.dcs, org.apache.zookeeper, ...), so this entry"
                        + " changes nothing");
            }
        });
        return out;
    }
}
