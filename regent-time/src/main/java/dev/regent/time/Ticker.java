package dev.regent.time;

import java.util.concurrent.TimeUnit;

/**
 * Where shell code reads time: a monotonic clock (leases, timeouts, deadlines) and the wall clock (timestamps,
 * schedules). Injected everywhere instead of calling {@link System#nanoTime()} or {@link System#currentTimeMillis()},
 * so that a simulator can run the real shell on simulated time. Implementations are thread-safe.
 */
public interface Ticker {
    /** The real clocks of this JVM. */
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    };

    /** Monotonic nanoseconds from an arbitrary origin; only differences mean something. */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch (may jump). */
    long wallMillis();

    /** Monotonic milliseconds (the HA loop's time base for leases and timeouts). */
    default long monotonicMillis() {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime());
    }
}
