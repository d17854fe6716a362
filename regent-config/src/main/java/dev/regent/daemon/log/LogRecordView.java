package dev.regent.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * One Logback event seen as Python's {@code LogRecord}, the attributes {@code log.format} names: {@code asctime},
 * {@code levelname} (Patroni's names: {@code WARNING}, {@code CRITICAL}), {@code levelno}, {@code name} (the
 * logger), {@code message}, {@code created}, {@code msecs}, {@code relativeCreated}, {@code thread},
 * {@code threadName}, {@code process}, {@code exc_text}; {@code module}, {@code filename}, {@code funcName},
 * {@code lineno} and {@code pathname} from the caller (the Java class, file, method and line) when the event carries
 * caller data; {@code None} for what a JVM does not have ({@code taskName}, {@code stack_info}, {@code args}).
 */
final class LogRecordView {
    private static final long PID = ProcessHandle.current().pid();

    private final ILoggingEvent event;
    private final long threadId;
    private final String message;
    private final String excText;
    private final String dateformat;
    private final long birthMillis;

    /**
     * @param message    the message as written (with Patroni's {@code , DETAIL: '...'} when the traceback is hidden)
     * @param excText    the stack trace text, or null when none is shown
     * @param dateformat strftime format of asctime, null for Python's default with milliseconds
     */
    LogRecordView(ILoggingEvent event, long threadId, String message, String excText, String dateformat,
                  long birthMillis) {
        this.event = event;
        this.threadId = threadId;
        this.message = message;
        this.excText = excText;
        this.dateformat = dateformat;
        this.birthMillis = birthMillis;
    }

    String excText() {
        return excText;
    }

    /** The attribute's value: a String, Long, Double or null. */
    Object get(String field) {
        long ts = event.getTimeStamp();
        return switch (field) {
            case "asctime" -> asctime(ts);
            case "message", "msg" -> message;
            case "levelname" -> PatroniLevelConverter.name(event.getLevel(), event.getMarkerList());
            case "levelno" -> levelno();
            case "name" -> event.getLoggerName();
            case "created" -> ts / 1000.0;
            case "msecs" -> (double) (ts % 1000);
            case "relativeCreated" -> (double) (ts - birthMillis);
            case "thread" -> threadId;
            case "threadName" -> event.getThreadName();
            case "process" -> PID;
            case "processName" -> "MainProcess";
            case "exc_text" -> excText;
            case "module" -> caller() == null ? null : stripJava(caller().getFileName());
            case "filename" -> caller() == null ? null : caller().getFileName();
            case "funcName" -> caller() == null ? null : caller().getMethodName();
            case "lineno" -> caller() == null ? null : (Object) (long) caller().getLineNumber();
            case "pathname" -> caller() == null ? null : caller().getClassName();
            default -> null;
        };
    }

    private String asctime(long ts) {
        ZonedDateTime t = Instant.ofEpochMilli(ts).atZone(ZoneId.systemDefault());
        if (dateformat != null) return Strftime.format(dateformat, t);
        return Strftime.format("%Y-%m-%d %H:%M:%S", t) + String.format(",%03d", ts % 1000);
    }

    private long levelno() {
        Level l = event.getLevel();
        if ("CRITICAL".equals(get("levelname"))) return 50;
        if (l.isGreaterOrEqual(Level.ERROR)) return 40;
        if (l == Level.WARN) return 30;
        if (l == Level.INFO) return 20;
        return 10;
    }

    private StackTraceElement caller() {
        if (!event.hasCallerData()) return null;
        StackTraceElement[] c = event.getCallerData();
        return c == null || c.length == 0 ? null : c[0];
    }

    private static String stripJava(String file) {
        if (file == null) return null;
        return file.endsWith(".java") ? file.substring(0, file.length() - 5) : file;
    }

    /** The event's throwable's message as Python's {@code str(exception)} would give it. */
    static String exceptionDetail(ILoggingEvent event) {
        var t = event.getThrowableProxy();
        if (t == null) return null;
        return t.getMessage() != null ? t.getMessage() : t.getClassName();
    }
}

