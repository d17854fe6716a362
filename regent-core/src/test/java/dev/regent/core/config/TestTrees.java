package dev.regent.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders of small configuration trees for tests. */
final class TestTrees {
    private TestTrees() {}

    /** An insertion-ordered mutable map from alternating key/value arguments. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static List<Object> list(Object... items) {
        return new ArrayList<>(List.of(items));
    }

    /** A complete valid local configuration as plain maps, to be modified by tests. */
    static Map<String, Object> valid() {
        return map(
                "name", "pg0",
                "scope", "demo",
                "restapi", map("listen", "0.0.0.0:8008", "connect_address", "10.0.0.1:8008"),
                "etcd3", map("hosts", list("127.0.0.1:2379")),
                "postgresql", map(
                        "listen", "*:5432",
                        "connect_address", "10.0.0.1:5432",
                        "data_dir", "/data/pg0",
                        "authentication", map(
                                "superuser", map("username", "postgres", "password", "pw"),
                                "replication", map("username", "repl", "password", "pw", "sslmode", "require"))),
                "bootstrap", map("dcs", map("ttl", 30L)));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> section(Map<String, Object> tree, String key) {
        return (Map<String, Object>) tree.get(key);
    }

    static ValidationResult validate(Map<String, Object> tree) {
        return NodeConfigValidator.validate(ConfigValue.fromPlain(tree, "t.yml"));
    }
}
