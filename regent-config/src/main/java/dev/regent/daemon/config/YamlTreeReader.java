package dev.regent.daemon.config;

import dev.regent.core.config.ConfigValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Parses YAML text into a {@link ConfigValue} tree whose nodes carry {@code <source>:<line>} (1-based, from
 * SnakeYAML's node marks). Scalars are typed the way PyYAML's safe loader types them (YAML 1.1: {@code on/off/yes/no}
 * are booleans). Stateless; thread-safe.
 */
public final class YamlTreeReader {
    private YamlTreeReader() {}

    /** Thrown for YAML syntax errors; the message names the source and line. */
    public static final class YamlSyntaxException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        YamlSyntaxException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Parses {@code text}. An empty document gives an empty mapping.
     *
     * @param sourceName how positions are named, e.g. the file name, or {@code env PATRONI_CONFIGURATION}
     * @param lineSuffix true to append {@code :<line>} to {@code sourceName} in each node's source
     */
    public static ConfigValue read(String text, String sourceName, boolean lineSuffix) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new YamlSyntaxException(sourceName + ":" + line + ": invalid YAML: " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new YamlSyntaxException(sourceName + ": invalid YAML: " + e.getMessage(), e);
        }
        if (root == null) {
            return ConfigValue.emptyMap(sourceName);
        }
        return convert(root, sourceName, lineSuffix);
    }

    private static ConfigValue convert(Node node, String sourceName, boolean lineSuffix) {
        String source = lineSuffix ? sourceName + ":" + (node.getStartMark().getLine() + 1) : sourceName;
        if (node instanceof MappingNode m) {
            Map<String, ConfigValue> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(t.getKeyNode());
                ConfigValue value = convert(t.getValueNode(), sourceName, lineSuffix);
                if ("<<".equals(key) && value.isMap()) {
                    // YAML merge key: merged entries do not override explicit ones
                    value.entries().forEach(out::putIfAbsent);
                } else {
                    out.put(key, value);
                }
            }
            return ConfigValue.map(out, source);
        }
        if (node instanceof SequenceNode s) {
            List<ConfigValue> out = new ArrayList<>();
            s.getValue().forEach(n -> out.add(convert(n, sourceName, lineSuffix)));
            return new ConfigValue(out, source);
        }
        return new ConfigValue(scalar((ScalarNode) node), source);
    }

    private static Object scalar(ScalarNode n) {
        String v = n.getValue();
        Tag tag = n.getTag();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            String l = v.toLowerCase(java.util.Locale.ROOT);
            return l.equals("true") || l.equals("yes") || l.equals("on") || l.equals("y");
        }
        if (Tag.INT.equals(tag)) {
            try {
                return Long.decode(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            try {
                return Double.parseDouble(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        return v;
    }
}
