package dev.regent.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A typed, error-collecting view of one mapping in the configuration tree. Every accessor records a
 * {@link ConfigError} naming the full key path and the value's source instead of throwing, and returns the default
 * (or null) so validation can go on and report every problem at once. Not thread-safe.
 */
final class Section {
    private final ConfigValue node;
    private final String path;
    private final Problems problems;

    Section(ConfigValue node, String path, Problems problems) {
        this.node = node == null ? ConfigValue.emptyMap(null) : node;
        this.path = path;
        this.problems = problems;
    }

    String path() { return path; }

    ConfigValue node() { return node; }

    Problems problems() { return problems; }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The raw child, or null when absent or YAML null. */
    ConfigValue raw(String key) {
        ConfigValue v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String key) {
        return raw(key) != null;
    }

    /** A sub-section; an error when present but not a mapping (then an empty section is returned). */
    Section child(String key) {
        ConfigValue v = raw(key);
        if (v != null && !v.isMap()) {
            problems.error(pathOf(key), v, "must be a mapping, got " + describe(v));
            v = null;
        }
        return new Section(v, pathOf(key), problems);
    }

    String requiredString(String key) {
        String s = string(key);
        if (s == null && raw(key) == null) {
            problems.error(pathOf(key), node, "required key is missing");
        } else if (s != null && s.isBlank()) {
            problems.error(pathOf(key), raw(key), "must not be empty");
        }
        return s;
    }

    /** A scalar as a string (numbers and booleans are accepted and converted, as YAML would let them). */
    String string(String key) {
        ConfigValue v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isScalar()) {
            problems.error(pathOf(key), v, "must be a string, got " + describe(v));
            return null;
        }
        return v.text();
    }

    Long integer(String key, Long dflt, long min, long max) {
        ConfigValue v = raw(key);
        if (v == null) {
            return dflt;
        }
        Long n = v.value() instanceof Boolean ? null : PatroniValues.parseInt(v.value());
        if (n == null) {
            problems.error(pathOf(key), v, "must be an integer, got " + describe(v));
            return dflt;
        }
        if (n < min || n > max) {
            problems.error(pathOf(key), v, "must be between " + min + " and " + max + ", got " + n);
            return dflt;
        }
        return n;
    }

    Boolean bool(String key, Boolean dflt) {
        ConfigValue v = raw(key);
        if (v == null) {
            return dflt;
        }
        Boolean b = v.isScalar() ? PatroniValues.parseBool(v.value()) : null;
        if (b == null) {
            problems.error(pathOf(key), v, "must be a boolean (true/false, on/off, yes/no, 1/0), got " + describe(v));
            return dflt;
        }
        return b;
    }

    /** A string that must be one of {@code allowed} (compared case-insensitively); returns the lower-case form. */
    String oneOf(String key, String dflt, Set<String> allowed) {
        String s = string(key);
        if (s == null) {
            return dflt;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            problems.error(pathOf(key), raw(key), "must be one of " + new java.util.TreeSet<>(allowed) + ", got '"
                    + s + "'");
            return dflt;
        }
        return lower;
    }

    /** A list of scalars; when {@code commaStringOk} a comma separated string is split like Patroni does. */
    List<String> stringList(String key, boolean commaStringOk) {
        ConfigValue v = raw(key);
        if (v == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (v.isList()) {
            for (int i = 0; i < v.items().size(); i++) {
                ConfigValue item = v.items().get(i);
                if (!item.isScalar()) {
                    problems.error(pathOf(key) + "[" + i + "]", item, "must be a string, got " + describe(item));
                } else {
                    out.add(item.text());
                }
            }
            return out;
        }
        if (commaStringOk && v.isScalar()) {
            for (String part : v.text().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
            return out;
        }
        problems.error(pathOf(key), v, "must be a list" + (commaStringOk ? " or a comma separated string" : "")
                + ", got " + describe(v));
        return null;
    }

    /** A mapping as plain Java objects, or null when absent. */
    Map<String, Object> plainMap(String key) {
        ConfigValue v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isMap()) {
            problems.error(pathOf(key), v, "must be a mapping, got " + describe(v));
            return null;
        }
        return v.toPlainMap();
    }

    /** A mapping of scalar values as strings, or null when absent. */
    Map<String, String> stringMap(String key) {
        Section s = child(key);
        if (!has(key)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        s.node().entries().keySet().forEach(k -> {
            String val = s.string(k);
            if (val != null) {
                out.put(k, val);
            }
        });
        return out;
    }

    /** A {@code host:port} string, validated; see {@link PatroniValues#hostPortProblem}. */
    String hostPort(String key, boolean required, boolean emptyHostOk, boolean multiHost) {
        String s = required ? requiredString(key) : string(key);
        if (s == null || s.isBlank()) {
            return s;
        }
        String problem = PatroniValues.hostPortProblem(s, emptyHostOk, multiHost);
        if (problem != null) {
            problems.error(pathOf(key), raw(key), problem);
            return null;
        }
        return s;
    }

    /** Warns about every key not in {@code known}. */
    void warnUnknownKeys(Set<String> known) {
        node.entries().forEach((k, v) -> {
            if (!known.contains(k)) {
                problems.warn(pathOf(k), v, "unknown key, ignored");
            }
        });
    }

    static String describe(ConfigValue v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isMap()) {
            return "a mapping";
        }
        if (v.isList()) {
            return "a list";
        }
        Object o = v.value();
        String kind = o instanceof String ? "string" : o instanceof Boolean ? "boolean" : "number";
        return kind + " '" + o + "'";
    }
}
