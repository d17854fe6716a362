package dev.regent.daemon.view;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * YAML as patronictl prints and reads it ({@code yaml.safe_dump(default_flow_style=False, width=200)}: block
 * style, keys sorted; {@code yaml.safe_load}). Stateless and thread-safe.
 */
public final class YamlText {
    private YamlText() {}

    /** Block-style YAML with sorted keys; {@code flow} = one-line flow style (patronictl's tsv tags). */
    public static String dump(Object data, boolean flow) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(flow ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK);
        o.setWidth(200);
        o.setAllowUnicode(true);
        o.setIndent(2);
        Yaml yaml = new Yaml(new Representer(o), o);
        return yaml.dump(sorted(data));
    }

    /** Parses one YAML document (safe types only). */
    public static Object load(String text) {
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new IllegalArgumentException("invalid YAML: " + e.getMessage().replaceAll("\\s*\\n\\s*", " ").trim());
        }
    }

    public static Object sorted(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> t = new TreeMap<>();
            m.forEach((k, x) -> t.put(String.valueOf(k), sorted(x)));
            return t;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(sorted(x)));
            return out;
        }
        return v;
    }
}
