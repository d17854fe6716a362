package dev.regent.testkit;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time that moves only when told: a {@link Ticker} whose clocks advance by {@link #advance} and by every
 * {@link #sleep}, which returns at once (so code that waits with this {@link Sleeper} runs its whole timeout in no real
 * time). The wall clock moves with the monotonic one from a fixed start. Listeners hear every advance (say, to expire
 * sessions of an in-memory DCS). Thread-safe; sleeps of concurrent threads each advance time, so it suits one thread
 * driving time, as tests and the simulator do.
 */
public final class ManualTicker implements Ticker, Sleeper {
    /** The default wall-clock start: 2026-01-01T00:00:00Z. */
    public static final Instant DEFAULT_WALL_START = Instant.parse("2026-01-01T00:00:00Z");

    private final Instant wallStart;
    private final long wallStartMillis;
    private final AtomicLong nanos = new AtomicLong();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** Monotonic time 0, wall time {@link #DEFAULT_WALL_START}. */
    public ManualTicker() {
        this(DEFAULT_WALL_START);
    }

    /** Monotonic time 0, wall time {@code wallStart}. */
    public ManualTicker(Instant wallStart) {
        this.wallStart = wallStart;
        this.wallStartMillis = wallStart.toEpochMilli();
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long wallMillis() {
        return wallStartMillis + nanos.get() / 1_000_000L;
    }

    @Override
    public Instant wallInstant() {
        return wallStart.plusNanos(nanos.get());
    }

    /** Time elapsed since this ticker was made. */
    public Duration elapsed() {
        return Duration.ofNanos(nanos.get());
    }

    /** Moves time forward by {@code d} and tells the listeners; negative durations are refused (time is monotonic). */
    public void advance(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("cannot move time backwards: " + d);
        nanos.addAndGet(d.toNanos());
        listeners.forEach(Runnable::run);
    }

    /**
     * Records the wait and advances time by it (nothing for zero or negative waits, as {@link Thread#sleep} does
     * not wait then). Like {@link Thread#sleep}, throws at once when the thread is interrupted (clearing the flag).
     */
    @Override
    public void sleep(Duration d) throws InterruptedException {
        if (Thread.interrupted()) throw new InterruptedException("interrupted before sleeping " + d);
        sleeps.add(d);
        if (d.isNegative() || d.isZero()) return;
        advance(d);
    }

    /** Every wait asked of {@link #sleep}, in order. */
    public List<Duration> sleeps() {
        return new ArrayList<>(sleeps);
    }

    /** Runs {@code listener} after every advance (including those of sleeps), on the advancing thread. */
    public void onAdvance(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public String toString() {
        return "ManualTicker[" + elapsed() + " elapsed, wall " + Instant.ofEpochMilli(wallMillis()) + "]";
    }
}
