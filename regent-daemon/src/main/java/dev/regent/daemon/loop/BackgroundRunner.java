package dev.regent.daemon.loop;

import dev.regent.core.ha.NodeMemory;
import java.util.function.UnaryOperator;

/**
 * The single slot for long actions (bootstrap, basebackup, rewind, start, restart, promote). While a task runs, the
 * loop keeps renewing the leader lock and reports "{@code <task> in progress}"; the finished task's memory update is
 * collected by the loop via {@link #takeFinished()} at its next cycle, which a completed task brings forward. Production runs tasks on a thread
 * ({@link BackgroundSlot}); a simulator runs them on simulated time.
 */
public interface BackgroundRunner extends AutoCloseable {
    /** A long task: returns how the node memory changes when it ends without an exception; throws on failure. */
    @FunctionalInterface
    interface Task {
        Result run() throws Exception;
    }

    /**
     * What a task that ended without an exception returns.
     *
     * @param memoryUpdate how the node memory changes
     * @param completed    whether the task did what it was for; one that found its precondition unmet (a rewind
     *                     source that does not answer) did not, and is retried at the loop's own pace
     */
    record Result(UnaryOperator<NodeMemory> memoryUpdate, boolean completed) {}

    /**
     * Outcome of a finished task, for the loop.
     *
     * @param ok           false when the task threw or was interrupted
     * @param completed    the task did what it was for ({@link Result#completed()}); never when not ok
     * @param memoryUpdate on success what the task returned, on failure the submitted {@code onFailure} (may be null)
     * @param error        null on success
     */
    record Finished(String name, boolean ok, boolean completed, UnaryOperator<NodeMemory> memoryUpdate, String error) {

        /**
         * Whether the loop should run its next cycle at once: only after a task that completed. A task that failed
         * or found its precondition unmet is retried at the next regular cycle, as Patroni retries at its next loop:
         * waking at once turned a dead rewind source into a retry every few milliseconds for as long as its lock was
         * held (indefinitely in a paused cluster).
         */
        public boolean wakesLoop() {
            return ok && completed;
        }
    }

    /** Name of the running task, or null. */
    String running();

    /**
     * What the running task is doing, as Patroni's state shows it (e.g. {@code running custom bootstrap script}
     * while a bootstrap runs the method's command), else {@link #running()}. For the member key and the REST API.
     */
    default String runningState() {
        return running();
    }

    /** Sets {@link #runningState()} of the running task (null: its name again); ignored when nothing runs. */
    default void reportState(String state) {
    }

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
