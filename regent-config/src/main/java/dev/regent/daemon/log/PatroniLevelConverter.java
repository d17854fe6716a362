package dev.regent.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import org.slf4j.Marker;

/**
 * {@code %plevel}: the event's level as Python's logging names it, so Regent's log lines read like Patroni's
 * ({@code 2026-01-01 10:00:00,123 WARNING: ...}): {@code WARN} → {@code WARNING}, {@code TRACE} → {@code DEBUG}
 * (Python has no TRACE), and an ERROR event carrying {@link PatroniLevels#CRITICAL} → {@code CRITICAL}.
 * Stateless and thread-safe.
 */
public final class PatroniLevelConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return name(event.getLevel(), event.getMarkerList());
    }

    /** The Patroni level name for a Logback level and the event's markers (null when none). */
    static String name(Level level, List<Marker> markers) {
        if (level.isGreaterOrEqual(Level.ERROR) && markers != null
                && markers.stream().anyMatch(m -> m.contains(PatroniLevels.CRITICAL))) {
            return "CRITICAL";
        }
        if (level == Level.WARN) return "WARNING";
        if (level == Level.TRACE) return "DEBUG";
        return level.toString();
    }
}
