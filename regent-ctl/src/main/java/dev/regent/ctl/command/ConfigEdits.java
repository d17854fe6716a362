package dev.regent.ctl.command;

import dev.regent.daemon.view.YamlText;
import dev.regent.ctl.CtlException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edits of {@code edit-config}: {@code key.path=yamlvalue} pairs (patronictl's {@code apply_config_changes}:
 * a null value deletes, GUC names under {@code postgresql.parameters} keep their dots, emptied maps disappear) and
 * deep-merge patches ({@code patch_config}: null deletes). Stateless.
 */
final class ConfigEdits {
    private ConfigEdits() {}

    static void applyPairs(Map<String, Object> config, List<String> pairs) {
        for (String pair : pairs) {
            int eq = pair == null ? -1 : pair.indexOf('=');
            if (eq < 0) throw new CtlException("Invalid parameter setting " + pair);
            List<String> path = Arrays.asList(pair.substring(0, eq).strip().split("\\."));
            set(config, path, YamlText.load(pair.substring(eq + 1)), List.of());
        }
    }

    private static void set(Map<String, Object> config, List<String> path, Object value, List<String> prefix) {
        if (prefix.equals(List.of("postgresql", "parameters"))) path = List.of(String.join(".", path));
        String key = path.get(0);
        if (path.size() == 1) {
            if (value == null) config.remove(key);
            else config.put(key, value);
            return;
        }
        if (!(config.get(key) instanceof Map)) config.put(key, new LinkedHashMap<String, Object>());
        Map<String, Object> child = asMap(config.get(key));
        config.put(key, child);
        List<String> p = new ArrayList<>(prefix);
        p.add(key);
        set(child, path.subList(1, path.size()), value, p);
        if (child.isEmpty()) config.remove(key);
    }

    /** Deep merge of {@code patch} into {@code config}; a null value deletes the key. */
    static void patch(Map<String, Object> config, Object patch) {
        if (patch == null) return;
        if (!(patch instanceof Map)) throw new CtlException("the configuration must be a YAML mapping");
        for (Map.Entry<String, Object> e : asMap(patch).entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                config.remove(e.getKey());
            } else if (v instanceof Map && config.get(e.getKey()) instanceof Map) {
                Map<String, Object> child = asMap(config.get(e.getKey()));
                patch(child, v);
                config.put(e.getKey(), child);
            } else {
                config.put(e.getKey(), deepCopyValue(v));
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        if (o == null) return new LinkedHashMap<>();
        if (!(o instanceof Map)) throw new CtlException("the configuration must be a YAML mapping");
        Map<String, Object> m = new LinkedHashMap<>();
        ((Map<Object, Object>) o).forEach((k, v) -> m.put(String.valueOf(k), v));
        return m;
    }

    static Map<String, Object> deepCopy(Map<String, Object> m) {
        return asMap(deepCopyValue(m));
    }

    private static Object deepCopyValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, x) -> c.put(String.valueOf(k), deepCopyValue(x)));
            return c;
        }
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            l.forEach(x -> c.add(deepCopyValue(x)));
            return c;
        }
        return v;
    }
}
