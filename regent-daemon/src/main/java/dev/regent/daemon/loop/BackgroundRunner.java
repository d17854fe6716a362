package dev.regent.daemon.loop;

import dev.regent.core.ha.NodeMemory;
import java.util.function.UnaryOperator;

/**
 * The single slot for long actions (bootstrap, basebackup, rewind, start, restart, promote). While a task runs, the
 * loop keeps renewing the leader lock and reports "{@code <task> in progress}"; the finished task's memory update is
 * collected by the loop via {@link #takeFinished()} at its next cycle. Production runs tasks on a thread
 * ({@link BackgroundSlot}); a simulator runs them on simulated time.
 */
public interface BackgroundRunner extends AutoCloseable {
    /** A long task: returns how the node memory changes on success; throws on failure. */
    @FunctionalInterface
    interface Task {
        UnaryOperator<NodeMemory> run() throws Exception;
    }

    /**
     * Outcome of a finished task, for the loop.
     *
     * @param memoryUpdate on success what the task returned, on failure the submitted {@code onFailure} (may be null)
     * @param error        null on success
     */
    record Finished(String name, boolean ok, UnaryOperator<NodeMemory> memoryUpdate, String error) {}

    /** Name of the running task, or null. */
    String running();

    /**
     * Start {@code task} unless one is running. {@code onFailure} turns a failure into a memory update (may be null).
     * Returns false when the slot is busy.
     */
    boolean submit(String name, Task task, UnaryOperator<NodeMemory> onFailure);

    /** The last finished task's outcome, once; null when none finished since the last call. */
    Finished takeFinished();

    /** Interrupt a running task (a demotion while a start runs, reinitialize --force). */
    void cancel();

    @Override
    void close();
}
