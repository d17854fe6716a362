package dev.regent.core.config;

/**
 * One configuration problem.
 *
 * @param path    key path, e.g. {@code postgresql.authentication.superuser.password}
 * @param source  where the value came from: {@code file.yml:12}, {@code env PATRONI_NAME}, or null
 * @param message what is wrong
 * @param warning true for warnings (unknown keys, raised minimums), false for errors
 */
public record ConfigError(String path, String source, String message, boolean warning) {
    @Override
    public String toString() {
        return (warning ? "warning: " : "error: ") + path + (source == null ? "" : " (" + source + ")") + ": "
                + message;
    }
}
