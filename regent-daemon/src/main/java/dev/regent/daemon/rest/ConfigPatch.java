package dev.regent.daemon.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Patroni's {@code patch_config}: deep merge where a null value deletes the key. Pure. */
final class ConfigPatch {
    private ConfigPatch() {}

    /** Deep copy of nested maps so that a merge never touches the caller's (immutable) tree. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub) : v));
        return out;
    }

    /**
     * Merge {@code patch} into {@code target} in place.
     *
     * @return whether anything changed (values compared as text, like Patroni's {@code str(a) != str(b)})
     */
    @SuppressWarnings("unchecked")
    static boolean merge(Map<String, Object> target, Map<String, Object> patch) {
        boolean changed = false;
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (value == null) {
                changed |= target.remove(key) != null;
            } else if (!target.containsKey(key)) {
                target.put(key, value);
                changed = true;
            } else if (value instanceof Map<?, ?> sub) {
                Object current = target.get(key);
                if (current instanceof Map<?, ?> cur) {
                    Map<String, Object> copy = deepCopy((Map<String, Object>) cur);
                    changed |= merge(copy, (Map<String, Object>) sub);
                    target.put(key, copy);
                } else {
                    target.put(key, value);
                    changed = true;
                }
            } else if (!Objects.equals(String.valueOf(target.get(key)), String.valueOf(value))) {
                target.put(key, value);
                changed = true;
            }
        }
        return changed;
    }
}
