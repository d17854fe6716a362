package dev.regent.daemon.log;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Patroni's log level names where they differ from Logback's: Python logging writes {@code WARNING} (not
 * {@code WARN}) and has a {@code CRITICAL} level above {@code ERROR}, which Patroni uses for the refusals that stop
 * the daemon ({@code Can't start; there is already a node named 'pg0' running}, {@code Failed to bootstrap cluster},
 * a system ID mismatch). Operators' alerting greps for these names. Log such a line at ERROR with
 * {@link #CRITICAL}; {@link PatroniLevelConverter} ({@code %plevel} in {@code logback.xml}) prints the names.
 */
public final class PatroniLevels {
    /** Marks an ERROR event that Patroni logs at CRITICAL (its {@code logger.fatal}/{@code logger.critical}). */
    public static final Marker CRITICAL = MarkerFactory.getMarker("CRITICAL");

    private PatroniLevels() {}
}
