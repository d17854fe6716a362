package dev.regent.time;

import java.time.Duration;

/**
 * How shell code waits. Injected with the {@link Ticker} so that a simulator can turn a wait into an advance of
 * simulated time. An interrupt ends the wait with {@link InterruptedException}, as {@link Thread#sleep} does.
 */
@FunctionalInterface
public interface Sleeper {
    /** {@link Thread#sleep}. */
    Sleeper SYSTEM = d -> {
        long ms = d.toMillis();
        if (ms > 0) Thread.sleep(ms);
    };

    /** Block for {@code d} (nothing when zero or negative). */
    void sleep(Duration d) throws InterruptedException;
}
