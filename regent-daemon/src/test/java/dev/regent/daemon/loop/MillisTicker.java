package dev.regent.daemon.loop;

import dev.regent.time.Ticker;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker whose monotonic time is set by the test (milliseconds); wall time is the real one. */
final class MillisTicker implements Ticker {
    private final AtomicLong millis;

    MillisTicker(AtomicLong millis) {
        this.millis = millis;
    }

    @Override
    public long nanoTime() {
        return millis.get() * 1_000_000L;
    }

    @Override
    public long wallMillis() {
        return System.currentTimeMillis();
    }
}
