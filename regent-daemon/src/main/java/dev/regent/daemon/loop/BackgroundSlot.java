package dev.regent.daemon.loop;

import dev.regent.core.ha.NodeMemory;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link BackgroundRunner}: tasks run on one daemon thread, started for a task and ended after
 * {@value #IDLE_SECONDS} s without one (tasks are rare: an idle node holds no thread for them). Thread-safe: submitted from the loop
 * thread, run on the background thread; the finished task's memory update is collected by the loop via
 * {@link #takeFinished()}.
 */
public final class BackgroundSlot implements BackgroundRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundSlot.class);

    /** How long the thread waits for the next task before it ends. */
    static final long IDLE_SECONDS = 30;

    private final ThreadPoolExecutor executor = newExecutor();
    private final AtomicReference<String> running = new AtomicReference<>();
    private final AtomicReference<String> state = new AtomicReference<>();
    private final AtomicReference<Finished> finished = new AtomicReference<>();
    private final Runnable onFinish;
    private volatile Future<?> future;

    /** @param onFinish called (on the background thread) when a task ends as {@link Finished#wakesLoop()} */
    public BackgroundSlot(Runnable onFinish) {
        this.onFinish = onFinish;
    }

    private static ThreadPoolExecutor newExecutor() {
        // one thread at most, tasks in order (the slot admits one at a time anyway), the thread ends when idle
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "regent-background");
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** The thread count now (tests: none before the first task). */
    int threads() {
        return executor.getPoolSize();
    }

    @Override
    public String running() {
        return running.get();
    }

    @Override
    public String runningState() {
        String name = running.get();
        String s = state.get();
        return name != null && s != null ? s : name;
    }

    @Override
    public void reportState(String s) {
        state.set(s);
    }

    @Override
    public boolean submit(String name, Task task, UnaryOperator<NodeMemory> onFailure) {
        if (!running.compareAndSet(null, name)) return false;
        state.set(null);
        future = executor.submit(() -> {
            Finished result;
            try {
                LOG.info("{} started", name);
                Result r = task.run();
                result = new Finished(name, true, r.completed(), r.memoryUpdate(), null);
                LOG.info("{} finished", name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result = new Finished(name, false, false, onFailure, "interrupted");
            } catch (Exception e) {
                LOG.error("{} failed: {}", name, e.getMessage(), e);
                result = new Finished(name, false, false, onFailure, e.getMessage());
            }
            finished.set(result);
            state.set(null);
            running.set(null);
            if (result.wakesLoop()) onFinish.run();
        });
        return true;
    }

    @Override
    public Finished takeFinished() {
        return finished.getAndSet(null);
    }

    @Override
    public void cancel() {
        Future<?> f = future;
        if (f != null) f.cancel(true);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
