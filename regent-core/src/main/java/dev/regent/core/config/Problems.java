package dev.regent.core.config;

import java.util.ArrayList;
import java.util.List;

/** Collects configuration errors and warnings in the order found. Not thread-safe; one per validation run. */
final class Problems {
    private final List<ConfigError> list = new ArrayList<>();

    void error(String path, ConfigValue at, String message) {
        list.add(new ConfigError(path, at == null ? null : at.source(), message, false));
    }

    void warn(String path, ConfigValue at, String message) {
        list.add(new ConfigError(path, at == null ? null : at.source(), message, true));
    }

    /** A problem Patroni logs at ERROR and then ignores: it does not make the configuration invalid. */
    void ignoredError(String path, ConfigValue at, String message) {
        list.add(new ConfigError(path, at == null ? null : at.source(), message, true, true));
    }

    void add(ConfigError e) {
        list.add(e);
    }

    boolean hasErrors() {
        return list.stream().anyMatch(e -> !e.warning());
    }

    List<ConfigError> all() {
        return List.copyOf(list);
    }
}
