package dev.regent.daemon.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Patroni's two-step logging: a logging thread only puts the event in a bounded in-memory queue and never waits;
 * one writer thread formats and writes. When {@code max_queue_size} events are waiting, new ones are dropped and
 * counted, and once there is room again a WARNING {@code QueueHandler has lost N log records} is queued, as Patroni
 * does. A reconfiguration travels through the same queue, so lines logged before a reload keep the old format and
 * destination and none is lost or reordered. Thread-safe.
 */
final class PatroniQueueAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /** What the writer uses: a formatter and a destination. */
    record Output(LineFormatter formatter, SinkSpec sink) {}

    /** {@code debug}: the event's logger had DEBUG on when it logged (levels change at a reload at once). */
    private record Queued(ILoggingEvent event, long threadId, boolean debug) {}

    private record Switch(Output output) {}

    private record Flush(CountDownLatch done) {}

    private static final Object STOP = new Object();

    private final Object lock = new Object();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private final Charset charset = Charset.defaultCharset();
    private int maxSize;
    private long lost;
    private volatile boolean callerData;
    private Thread writer;

    // owned by the writer thread
    private Output output;
    private LogSink sink;
    private boolean failing;

    PatroniQueueAppender(Output initial, int maxQueueSize) throws IOException {
        this.output = initial;
        this.sink = initial.sink().open(null);
        this.maxSize = maxQueueSize;
        this.callerData = initial.formatter().needsCallerData();
        setName("PATRONI");
    }

    @Override
    public void start() {
        writer = new Thread(this::drain, "regent-log-writer");
        writer.setDaemon(true);
        writer.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        if (callerData) event.getCallerData();
        long thread = Thread.currentThread().getId();
        // the traceback decision belongs to the moment of logging: a reload changes levels at once, while the
        // writer formats this event later (a reload to DEBUG right after an ERROR once showed its stack trace)
        boolean debug = ((ch.qos.logback.classic.LoggerContext) getContext()).getLogger(event.getLoggerName())
                .isDebugEnabled();
        synchronized (lock) {
            if (queue.size() >= maxSize) {
                lost++;
                return;
            }
            queue.add(new Queued(event, thread, debug));
            if (lost > 0 && queue.size() < maxSize) {
                LoggingEvent warning = new LoggingEvent(PatroniQueueAppender.class.getName(),
                        ((ch.qos.logback.classic.LoggerContext) getContext()).getLogger(PatroniQueueAppender.class),
                        Level.WARN, "QueueHandler has lost {} log records", null, new Object[] {lost});
                warning.prepareForDeferredProcessing();
                queue.add(new Queued(warning, thread, debug));
                lost = 0;
            }
            lock.notifyAll();
        }
    }

    /** Applies {@code next} to every event queued after this call; {@code maxQueueSize} at once. */
    void reconfigure(Output next, int maxQueueSize) {
        synchronized (lock) {
            maxSize = maxQueueSize;
            callerData = next.formatter().needsCallerData();
            queue.add(new Switch(next));
            lock.notifyAll();
        }
    }

    /** Waits (up to {@code timeoutMillis}) until every event queued before this call is written. */
    boolean flush(long timeoutMillis) {
        if (!isStarted()) return true;
        CountDownLatch done = new CountDownLatch(1);
        synchronized (lock) {
            queue.add(new Flush(done));
            lock.notifyAll();
        }
        try {
            return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) return;
        super.stop();
        synchronized (lock) {
            queue.add(STOP);
            lock.notifyAll();
        }
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain() {
        while (true) {
            Object item;
            boolean empty;
            synchronized (lock) {
                while (queue.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                item = queue.poll();
                empty = queue.isEmpty();
            }
            if (item == STOP) {
                sink.close();
                return;
            }
            handle(item);
            if (empty) flushSink();
        }
    }

    private void handle(Object item) {
        if (item instanceof Queued q) {
            write(output.formatter().format(q.event(), q.threadId(), q.debug()).getBytes(charset));
        } else if (item instanceof Switch s) {
            flushSink();
            try {
                LogSink next = s.output().sink().open(sink);
                if (next != sink) sink.close();
                sink = next;
            } catch (IOException e) {
                reportFailure("cannot open the log file, keeping the previous destination: " + e);
            }
            output = s.output();
        } else if (item instanceof Flush f) {
            flushSink();
            f.done().countDown();
        }
    }

    private void write(byte[] line) {
        try {
            sink.write(line);
            failing = false;
        } catch (IOException | RuntimeException e) {
            reportFailure("cannot write the log: " + e);
        }
    }

    private void flushSink() {
        try {
            sink.flush();
        } catch (IOException e) {
            reportFailure("cannot write the log: " + e);
        }
    }

    /** Python's logging prints its own failures on standard error; once per failing streak here. */
    private void reportFailure(String message) {
        if (failing) return;
        failing = true;
        System.err.println("regent: " + message);
    }
}
