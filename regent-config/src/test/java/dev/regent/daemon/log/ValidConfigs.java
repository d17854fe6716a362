package dev.regent.daemon.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.ConfigValue;
import dev.regent.core.config.LogConfig;
import dev.regent.core.config.NodeConfigValidator;
import dev.regent.core.config.ValidationResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal valid node configuration with a given {@code log} section, validated as the daemon does. */
final class ValidConfigs {
    private ValidConfigs() {}

    static LogConfig log(Map<String, Object> log) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("name", "pg0");
        t.put("scope", "demo");
        t.put("restapi", Map.of("listen", "127.0.0.1:8008", "connect_address", "127.0.0.1:8008"));
        t.put("etcd3", Map.of("hosts", List.of("127.0.0.1:2379")));
        t.put("postgresql", Map.of("listen", "127.0.0.1:5432", "connect_address", "127.0.0.1:5432",
                "data_dir", "/data/pg0", "authentication", Map.of(
                        "superuser", Map.of("username", "postgres", "password", "pw"),
                        "replication", Map.of("username", "repl", "password", "pw"))));
        t.put("log", log);
        ValidationResult r = NodeConfigValidator.validate(ConfigValue.fromPlain(t, "test"));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).as("no log key is unsupported any more")
                .noneMatch(w -> w.path().startsWith("log."));
        return r.config().log();
    }
}
