package dev.regent.core.config;

/**
 * One configuration problem.
 *
 * @param path          key path, e.g. {@code postgresql.authentication.superuser.password}
 * @param source        where the value came from: {@code file.yml:12}, {@code env PATRONI_NAME}, or null
 * @param message       what is wrong
 * @param warning       true when the problem does not stop the node (unknown keys, raised minimums, ignored keys),
 *                      false for errors that do
 * @param ignoredError  true for a problem Patroni logs at ERROR but then ignores (e.g. {@code bootstrap.users}):
 *                      it is a {@code warning} for validity and is logged at ERROR
 */
public record ConfigError(String path, String source, String message, boolean warning, boolean ignoredError) {
    public ConfigError(String path, String source, String message, boolean warning) {
        this(path, source, message, warning, false);
    }

    @Override
    public String toString() {
        return (ignoredError ? "error (ignored): " : warning ? "warning: " : "error: ") + path
                + (source == null ? "" : " (" + source + ")") + ": " + message;
    }
}
