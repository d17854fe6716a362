package dev.regent.daemon.loop;

/**
 * A {@link PostgresPort} operation did not complete: a command failed or timed out, a hook script refused
 * (pre_promote), a required connection URL is missing. The message says which operation and why; the executor logs
 * it and the action counts as failed.
 */
public class PostgresPortException extends Exception {
    public PostgresPortException(String message) {
        super(message);
    }

    public PostgresPortException(String message, Throwable cause) {
        super(message, cause);
    }
}
