package dev.regent.sim;

import dev.regent.core.ha.NodeMemory;
import dev.regent.daemon.loop.BackgroundRunner;
import java.util.function.UnaryOperator;

/**
 * The background slot of a simulated node: a submitted task runs after its simulated duration, as one event (see
 * {@link SimCluster#runInBackground}); then the slot is free, its outcome waits for the loop's next cycle and the
 * loop is woken when the task completed ({@link Finished#wakesLoop()}), as the production slot does from its thread.
 */
final class SimBackgroundRunner implements BackgroundRunner {
    private final SimCluster cluster;
    private final Node node;
    private final Runnable onFinish;
    private String running;
    private UnaryOperator<NodeMemory> runningOnFailure;
    private Finished finished;
    /** Grows with every submission and cancel: a cancelled task's event does nothing. */
    private int generation;

    SimBackgroundRunner(SimCluster cluster, Node node, Runnable onFinish) {
        this.cluster = cluster;
        this.node = node;
        this.onFinish = onFinish;
    }

    @Override
    public String running() {
        return running;
    }

    @Override
    public boolean submit(String name, Task task, UnaryOperator<NodeMemory> onFailure) {
        if (running != null) return false;
        running = name;
        runningOnFailure = onFailure;
        int submitted = ++generation;
        cluster.trace.add(node.name, name + " started");
        cluster.runInBackground(node, name, () -> {
            if (generation != submitted) return;
            Finished result;
            try {
                Result r = task.run();
                result = new Finished(name, true, r.completed(), r.memoryUpdate(), null);
                cluster.trace.add(node.name, name + " finished");
            } catch (Exception e) {
                result = new Finished(name, false, false, onFailure, String.valueOf(e.getMessage()));
                cluster.trace.add(node.name, name + " failed: " + e.getMessage());
            }
            finish(result);
        });
        return true;
    }

    private void finish(Finished result) {
        finished = result;
        running = null;
        runningOnFailure = null;
        if (!result.wakesLoop()) return;  // retried at the loop's own pace, as production does
        onFinish.run();  // HaLoop.wakeUp: sets the loop's wake flag...
        cluster.wake(node);  // ...which the simulated loop sees as its next cycle coming now
    }

    @Override
    public Finished takeFinished() {
        Finished f = finished;
        finished = null;
        return f;
    }

    /** Interrupts the task at once: it never runs, and ends as failed ("interrupted"). */
    @Override
    public void cancel() {
        if (running == null) return;
        generation++;
        cluster.trace.add(node.name, running + " cancelled");
        finish(new Finished(running, false, false, runningOnFailure, "interrupted"));
    }

    @Override
    public void close() {
        generation++;
    }
}
