package dev.regent.postgres;

/** A local PostgreSQL operation failed (command exit code, timeout, SQL error, unusable data directory). */
public class PostgresException extends RuntimeException {
    public PostgresException(String message) {
        super(message);
    }

    public PostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}
