package dev.regent.dcs;

/**
 * The DCS could not be reached or answered with an error, after retries within {@code retry_timeout}. The HA loop
 * turns this into "DCS unavailable" for the next decision (demote unless failsafe). A refused compare-and-set is
 * not an exception: operations report it as {@code false}.
 */
public class DcsException extends Exception {
    public DcsException(String message) {
        super(message);
    }

    public DcsException(String message, Throwable cause) {
        super(message, cause);
    }
}
