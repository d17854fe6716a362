package dev.regent.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import org.slf4j.Marker;

/**
 * Python's CRITICAL level, which Logback lacks: where {@code log.level} or a {@code log.loggers} entry is
 * {@code CRITICAL} (or {@code FATAL}) only ERROR events marked {@link PatroniLevels#CRITICAL} pass; the logger's
 * Logback level is ERROR. The closest configured ancestor of a logger decides, as levels inherit. Thread-safe
 * (the configuration is replaced as a whole).
 */
final class CriticalLevelFilter extends TurboFilter {
    private record Config(boolean root, Map<String, Boolean> loggers) {}

    private volatile Config config = new Config(false, Map.of());

    /**
     * @param rootCritical whether the root level is CRITICAL
     * @param loggers      every configured logger name → whether its level is CRITICAL
     */
    void configure(boolean rootCritical, Map<String, Boolean> loggers) {
        config = new Config(rootCritical, Map.copyOf(loggers));
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        Config c = config;
        if (!c.root() && !c.loggers().containsValue(Boolean.TRUE)) return FilterReply.NEUTRAL;
        if (!critical(c, logger.getName())) return FilterReply.NEUTRAL;
        boolean marked = level == Level.ERROR && marker != null && marker.contains(PatroniLevels.CRITICAL);
        return marked ? FilterReply.NEUTRAL : FilterReply.DENY;
    }

    private static boolean critical(Config c, String name) {
        String n = name;
        while (true) {
            Boolean b = c.loggers().get(n);
            if (b != null) return b;
            int dot = n.lastIndexOf('.');
            if (dot < 0) return c.root();
            n = n.substring(0, dot);
        }
    }
}
