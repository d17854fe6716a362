package dev.regent.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import dev.regent.core.config.LogConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Applies the {@code log} section to Logback, programmatically (the {@code logback.xml} of the class path only
 * covers the moments before the configuration is read, and regentctl): the root level, Regent's quiet defaults for
 * chatty libraries (Ratis, ZooKeeper, Curator; {@code REGENT_RATIS_LOG_LEVEL} / {@code REGENT_ZOOKEEPER_LOG_LEVEL}
 * override them) and {@code log.loggers} over them, CRITICAL through {@link CriticalLevelFilter}, and one
 * {@link PatroniQueueAppender} on the root logger writing to standard error or a rotating {@code patroni.log}.
 * {@link #apply} may be called again (SIGHUP, {@code POST /reload}): loggers no longer configured inherit again, and
 * the new format and destination apply from the next queued event. Thread-safe.
 */
public final class LogSetup {
    private static LogSetup global;

    private final LoggerContext context;
    private final Map<String, String> env;
    private final CriticalLevelFilter critical = new CriticalLevelFilter();
    private PatroniQueueAppender appender;

    /** A setup of {@code context}; {@code env} holds the REGENT_*_LOG_LEVEL overrides of the library defaults. */
    public LogSetup(LoggerContext context, Map<String, String> env) {
        this.context = context;
        this.env = Map.copyOf(env);
    }

    /** The setup of the process's Logback context. */
    public static synchronized LogSetup global() {
        if (global == null) {
            if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
                throw new IllegalStateException("the logging backend is not Logback");
            }
            global = new LogSetup(ctx, System.getenv());
        }
        return global;
    }

    /** Waits until the process's queued log lines are written (before exiting); harmless when never applied. */
    public static void flushGlobal() {
        LogSetup g;
        synchronized (LogSetup.class) {
            g = global;
        }
        if (g != null) g.flush();
    }

    /**
     * Applies {@code config}.
     *
     * @throws IOException when {@code log.dir} cannot hold {@code patroni.log}; nothing has changed then
     */
    public synchronized void apply(LogConfig config) throws IOException {
        SinkSpec spec = config.dir() == null ? SinkSpec.STDERR : new SinkSpec(Path.of(config.dir()),
                config.fileNum(), config.fileSize(), config.mode());
        spec.check();
        LineFormatter formatter = new LineFormatter(config, context);
        applyLevels(config);
        PatroniQueueAppender.Output output = new PatroniQueueAppender.Output(formatter, spec);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (appender == null) {
            appender = new PatroniQueueAppender(output, config.maxQueueSize());
            appender.setContext(context);
            appender.start();
            root.addAppender(appender);
            List<Appender<ILoggingEvent>> others = new ArrayList<>();
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                Appender<ILoggingEvent> a = it.next();
                if (a != appender) others.add(a);
            }
            for (Appender<ILoggingEvent> a : others) {
                root.detachAppender(a);
                a.stop();
            }
            critical.start();
            context.addTurboFilter(critical);
        } else {
            appender.reconfigure(output, config.maxQueueSize());
        }
    }

    /** Waits up to 5 s until every line logged before this call is written. */
    public boolean flush() {
        PatroniQueueAppender a;
        synchronized (this) {
            a = appender;
        }
        return a == null || a.flush(5000);
    }

    /** Writes what is queued and stops the writer (tests; the daemon's writer lives as long as the process). */
    public synchronized void close() {
        if (appender != null) {
            context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            appender.stop();
            appender = null;
        }
    }

    private void applyLevels(LogConfig config) {
        Map<String, String> wanted = new LinkedHashMap<>();
        String ratis = env.get("REGENT_RATIS_LOG_LEVEL");
        String zk = env.get("REGENT_ZOOKEEPER_LOG_LEVEL");
        wanted.put("org.apache.ratis", ratis != null ? ratis : "WARN");
        wanted.put("org.apache.ratis.client", ratis != null ? ratis : "OFF");
        wanted.put("org.apache.ratis.grpc.client", ratis != null ? ratis : "OFF");
        wanted.put("org.apache.zookeeper", zk != null ? zk : "ERROR");
        wanted.put("org.apache.curator", zk != null ? zk : "WARN");
        wanted.putAll(config.loggers());
        Map<String, Boolean> criticalLoggers = new LinkedHashMap<>();
        wanted.forEach((name, level) -> criticalLoggers.put(name, isCritical(level)));
        critical.configure(isCritical(config.level()), criticalLoggers);
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(level(config.level()));
        for (Logger l : context.getLoggerList()) {
            if (!l.getName().equals(Logger.ROOT_LOGGER_NAME) && !wanted.containsKey(l.getName())) l.setLevel(null);
        }
        wanted.forEach((name, level) -> context.getLogger(name).setLevel(level(level)));
    }

    private static boolean isCritical(String patroniLevel) {
        String l = patroniLevel.toUpperCase(Locale.ROOT);
        return l.equals("CRITICAL") || l.equals("FATAL");
    }

    /** Python's level names on Logback's levels; NOTSET inherits. */
    static Level level(String patroniLevel) {
        return switch (patroniLevel.toUpperCase(Locale.ROOT)) {
            case "NOTSET" -> null;
            case "DEBUG" -> Level.DEBUG;
            case "INFO" -> Level.INFO;
            case "WARN", "WARNING" -> Level.WARN;
            case "CRITICAL", "FATAL", "ERROR" -> Level.ERROR;
            default -> Level.toLevel(patroniLevel, Level.INFO);
        };
    }
}
