package dev.regent.daemon.wiring;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Wakes the HA loop as soon as the postmaster dies, instead of at the next {@code loop_wait} tick: Patroni noticed a
 * crashed postmaster only at its next cycle, which made a crash cost seconds of downtime. A postmaster this process
 * started (its child, the usual case) is waited for without polling: the JDK's reaper of that child already blocks
 * in {@code waitpid}, and this watch waits on its completion. A postmaster it did not start (found running at
 * start-up) is polled every {@value #POLL_MILLIS} ms (one cheap syscall): the JDK would check a non-child only every
 * few seconds. While none is known, {@code postmaster.pid} is re-read once a second. Runs on one daemon thread.
 */
final class PostmasterWatch implements AutoCloseable {
    static final long POLL_MILLIS = 250;

    private final Supplier<Optional<Long>> pid;
    private final Runnable onExit;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile ProcessHandle watched;
    private final Ticker ticker;
    private final Sleeper sleeper;

    PostmasterWatch(Supplier<Optional<Long>> pid, Runnable onExit, Ticker ticker, Sleeper sleeper) {
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.pid = pid;
        this.onExit = onExit;
        this.thread = new Thread(this::run, "regent-postmaster-watch");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * True when the postmaster this watch knows has exited (one cheap liveness check, callable from any thread): lets
     * a health check notice a death between two polls. False while no postmaster is known. A postmaster whose
     * {@code postmaster.pid} is gone or names another process counts as exited too: it removes the file at the end of
     * its shutdown, which is when {@code pg_ctl stop -w} returns, while the process itself may linger a moment (and
     * stays a zombie until its parent reaps it). An unreadable file proves nothing.
     */
    boolean knownPostmasterExited() {
        ProcessHandle w = watched;
        if (w == null) return false;
        if (!w.isAlive()) return true;
        try {
            return pid.get().map(p -> p != w.pid()).orElse(true);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void run() {
        long lastLookup = 0;
        while (!stopped) {
            try {
                if (watched == null) {
                    long now = ticker.nanoTime();
                    if (now - lastLookup > 1_000_000_000L) {
                        lastLookup = now;
                        watched = pid.get().flatMap(ProcessHandle::of).orElse(null);
                    }
                } else if (isChild(watched)) {
                    watched.onExit().get();  // returns when the child has exited and been reaped
                    watched = null;
                    onExit.run();
                } else if (!watched.isAlive()) {
                    watched = null;
                    onExit.run();
                }
                sleeper.sleep(Duration.ofMillis(POLL_MILLIS));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
                watched = null; // unreadable pid file: look again later
            }
        }
    }

    /** The postmaster being watched, or null while none is known. */
    ProcessHandle watching() {
        return watched;
    }

    /** Whether {@code p} is a child of this process (the JDK reaps it, so its exit can be awaited). */
    static boolean isChild(ProcessHandle p) {
        long self = ProcessHandle.current().pid();
        return p.parent().map(ProcessHandle::pid).orElse(-1L) == self;
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
