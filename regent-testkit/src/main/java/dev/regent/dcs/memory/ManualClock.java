package dev.regent.dcs.memory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A monotonic millisecond time source that moves only when a test calls {@link #advance}. Listeners (such as an
 * {@link InMemoryKvServer}) are told after every advance so that sleepers and session expiry react at once.
 * Thread-safe.
 */
public final class ManualClock implements LongSupplier {
    private final AtomicLong nowMillis;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public ManualClock() {
        this(0);
    }

    public ManualClock(long startMillis) {
        this.nowMillis = new AtomicLong(startMillis);
    }

    @Override
    public long getAsLong() {
        return nowMillis.get();
    }

    /** Move time forward by {@code d} (negative durations are refused: time is monotonic). */
    public void advance(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("cannot move time backwards: " + d);
        nowMillis.addAndGet(d.toMillis());
        listeners.forEach(Runnable::run);
    }

    void addListener(Runnable listener) {
        listeners.add(listener);
    }
}
