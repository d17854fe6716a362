package dev.regent.daemon.loop;

import dev.regent.core.ha.NodeMemory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single slot for long actions (bootstrap, basebackup, rewind, start, restart). While a task runs, the loop keeps
 * renewing the leader lock and reports "{@code <task> in progress}". Thread-safe: submitted from the loop thread,
 * run on one daemon thread; the finished task's memory update is collected by the loop via {@link #takeFinished()}.
 */
public final class BackgroundSlot implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundSlot.class);

    /** A long task: returns how the node memory changes on success; throws on failure. */
    @FunctionalInterface
    public interface Task {
        UnaryOperator<NodeMemory> run() throws Exception;
    }

    /** Outcome of a finished task, for the loop. */
    public record Finished(String name, boolean ok, UnaryOperator<NodeMemory> memoryUpdate, String error) {}

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "regent-background");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<String> running = new AtomicReference<>();
    private final AtomicReference<Finished> finished = new AtomicReference<>();
    private final Runnable onFinish;
    private volatile Future<?> future;

    /** @param onFinish called (on the background thread) when a task ends, to wake the loop */
    public BackgroundSlot(Runnable onFinish) {
        this.onFinish = onFinish;
    }

    /** Name of the running task, or null. */
    public String running() {
        return running.get();
    }

    /**
     * Start {@code task} unless one is running. {@code onFailure} turns a failure into a memory update (may be null).
     * Returns false when the slot is busy.
     */
    public boolean submit(String name, Task task, UnaryOperator<NodeMemory> onFailure) {
        if (!running.compareAndSet(null, name)) return false;
        future = executor.submit(() -> {
            Finished result;
            try {
                LOG.info("{} started", name);
                result = new Finished(name, true, task.run(), null);
                LOG.info("{} finished", name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result = new Finished(name, false, onFailure, "interrupted");
            } catch (Exception e) {
                LOG.error("{} failed: {}", name, e.getMessage(), e);
                result = new Finished(name, false, onFailure, e.getMessage());
            }
            finished.set(result);
            running.set(null);
            onFinish.run();
        });
        return true;
    }

    /** The last finished task's outcome, once; null when none finished since the last call. */
    public Finished takeFinished() {
        return finished.getAndSet(null);
    }

    /** Interrupt a running task (reinitialize --force). */
    public void cancel() {
        Future<?> f = future;
        if (f != null) f.cancel(true);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
