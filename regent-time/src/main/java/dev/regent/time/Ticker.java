package dev.regent.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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

        @Override
        public Instant wallInstant() {
            return Instant.now();
        }
    };

    /** Monotonic nanoseconds from an arbitrary origin; only differences mean something. */
    long nanoTime();

    /** Wall-clock milliseconds since the epoch (may jump). */
    long wallMillis();

    /**
     * The wall-clock instant, as precise as the clock allows (the system clock gives microseconds, which printed
     * timestamps show); by default {@link #wallMillis()}.
     */
    default Instant wallInstant() {
        return Instant.ofEpochMilli(wallMillis());
    }

    /** Monotonic milliseconds (the HA loop's time base for leases and timeouts). */
    default long monotonicMillis() {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime());
    }

    /** The wall time of this ticker as a UTC {@link Clock}, for APIs that take one. */
    default Clock wallClock() {
        return new TickerClock(this, ZoneOffset.UTC);
    }
}
