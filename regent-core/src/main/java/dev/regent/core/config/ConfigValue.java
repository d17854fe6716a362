package dev.regent.core.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of a configuration tree that remembers where it came from, so that validation can name the file line
 * ({@code patroni.yml:12}) or environment variable ({@code env PATRONI_NAME}) of a bad value.
 *
 * <p>{@code value} is one of: {@code null}, {@link String}, {@link Long}, {@link Double}, {@link Boolean},
 * an unmodifiable {@code List<ConfigValue>} or an unmodifiable insertion-ordered {@code Map<String, ConfigValue>}.
 * Immutable and thread-safe.
 *
 * @param value  the value (see above)
 * @param source where it came from, or null when unknown
 */
public record ConfigValue(Object value, String source) {

    public ConfigValue {
        if (value instanceof Map<?, ?> m) {
            value = Collections.unmodifiableMap(new LinkedHashMap<>(m));
        } else if (value instanceof List<?> l) {
            value = List.copyOf(l);
        } else if (value instanceof Integer i) {
            value = i.longValue();
        }
    }

    /** An empty mapping with the given source. */
    public static ConfigValue emptyMap(String source) {
        return new ConfigValue(Map.of(), source);
    }

    /** A mapping node. */
    public static ConfigValue map(Map<String, ConfigValue> entries, String source) {
        return new ConfigValue(entries, source);
    }

    /**
     * Converts a plain Java tree (maps, lists, scalars, e.g. parsed JSON) into a tree whose every node has
     * {@code source}.
     */
    public static ConfigValue fromPlain(Object plain, String source) {
        if (plain instanceof ConfigValue cv) {
            return cv;
        }
        if (plain instanceof Map<?, ?> m) {
            Map<String, ConfigValue> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), fromPlain(v, source)));
            return new ConfigValue(out, source);
        }
        if (plain instanceof List<?> l) {
            List<ConfigValue> out = new ArrayList<>();
            l.forEach(v -> out.add(fromPlain(v, source)));
            return new ConfigValue(out, source);
        }
        if (plain instanceof Integer || plain instanceof Long || plain instanceof Short || plain instanceof Byte) {
            return new ConfigValue(((Number) plain).longValue(), source);
        }
        if (plain instanceof Number n && !(plain instanceof Double)) {
            return new ConfigValue(n.doubleValue(), source);
        }
        return new ConfigValue(plain, source);
    }

    public boolean isMap() { return value instanceof Map; }

    public boolean isList() { return value instanceof List; }

    public boolean isNull() { return value == null; }

    /** True for strings, numbers and booleans. */
    public boolean isScalar() { return value != null && !isMap() && !isList(); }

    /** The entries of a mapping; empty for anything else. */
    @SuppressWarnings("unchecked")
    public Map<String, ConfigValue> entries() {
        return isMap() ? (Map<String, ConfigValue>) value : Map.of();
    }

    /** The items of a list; empty for anything else. */
    @SuppressWarnings("unchecked")
    public List<ConfigValue> items() {
        return isList() ? (List<ConfigValue>) value : List.of();
    }

    /** The child {@code key} of a mapping, or null. */
    public ConfigValue get(String key) {
        return entries().get(key);
    }

    /** The node at a dotted path ({@code postgresql.authentication.superuser}), or null. */
    public ConfigValue at(String dottedPath) {
        ConfigValue cur = this;
        for (String part : dottedPath.split("\\.")) {
            cur = cur.get(part);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    /** This mapping with {@code key} set to {@code child} (a new tree; this one is unchanged). */
    public ConfigValue with(String key, ConfigValue child) {
        Map<String, ConfigValue> out = new LinkedHashMap<>(entries());
        out.put(key, child);
        return new ConfigValue(out, source);
    }

    /** This mapping without {@code key}. */
    public ConfigValue without(String key) {
        Map<String, ConfigValue> out = new LinkedHashMap<>(entries());
        out.remove(key);
        return new ConfigValue(out, source);
    }

    /**
     * Deep merge like Patroni's {@code patch_config}: mappings merge key by key, anything else in {@code over}
     * replaces the value here (lists are replaced, not appended).
     */
    public ConfigValue mergedWith(ConfigValue over) {
        if (over == null) {
            return this;
        }
        if (!isMap() || !over.isMap()) {
            return over;
        }
        Map<String, ConfigValue> out = new LinkedHashMap<>(entries());
        over.entries().forEach((k, v) -> {
            ConfigValue mine = out.get(k);
            out.put(k, mine == null ? v : mine.mergedWith(v));
        });
        return new ConfigValue(out, source != null ? source : over.source);
    }

    /** The tree as plain Java objects (LinkedHashMap, ArrayList, String, Long, Double, Boolean, null). */
    public Object toPlain() {
        if (isMap()) {
            Map<String, Object> out = new LinkedHashMap<>();
            entries().forEach((k, v) -> out.put(k, v == null ? null : v.toPlain()));
            return out;
        }
        if (isList()) {
            List<Object> out = new ArrayList<>();
            items().forEach(v -> out.add(v.toPlain()));
            return out;
        }
        return value;
    }

    /** {@link #toPlain()} for a mapping; empty map for anything else. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> toPlainMap() {
        return isMap() ? (Map<String, Object>) toPlain() : new LinkedHashMap<>();
    }

    /** The scalar as text ({@code true}, {@code 5432}, ...), or null for null/map/list. */
    public String text() {
        return isScalar() ? String.valueOf(value) : null;
    }
}
