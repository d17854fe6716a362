package dev.regent.core.config;

import java.util.List;

/**
 * The outcome of validating a configuration tree.
 *
 * @param config   the typed configuration, or null when there is at least one error
 * @param problems every error and warning, in the order found
 */
public record ValidationResult(NodeConfig config, List<ConfigError> problems) {
    public ValidationResult {
        problems = List.copyOf(problems);
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(e -> !e.warning());
    }

    public List<ConfigError> errors() {
        return problems.stream().filter(e -> !e.warning()).toList();
    }

    public List<ConfigError> warnings() {
        return problems.stream().filter(ConfigError::warning).toList();
    }
}
