package dev.regent.time;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A point in monotonic time after which an operation gives up. Replaces hand-written
 * {@code while (System.nanoTime() < deadline) sleep} loops: {@link #await} polls a condition until it holds or the
 * deadline passes. Immutable; the ticker is only read.
 */
public final class Deadline {
    private final Ticker ticker;
    private final long atNanos;

    private Deadline(Ticker ticker, long atNanos) {
        this.ticker = ticker;
        this.atNanos = atNanos;
    }

    /** The deadline {@code timeout} from now on {@code ticker} (a negative timeout is already expired). */
    public static Deadline after(Ticker ticker, Duration timeout) {
        return new Deadline(ticker, ticker.nanoTime() + saturatedNanos(timeout));
    }

    /** True once the ticker reached the deadline. */
    public boolean expired() {
        return remainingNanos() <= 0;
    }

    /** Time left, zero once expired. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, remainingNanos()));
    }

    /** Milliseconds left (rounded up, so that a wait of the remaining time reaches the deadline), zero once expired. */
    public long remainingMillis() {
        long n = remainingNanos();
        return n <= 0 ? 0 : (n + 999_999) / 1_000_000;
    }

    /** {@code d} shortened to what is left. */
    public Duration cap(Duration d) {
        Duration left = remaining();
        return d.compareTo(left) < 0 ? d : left;
    }

    /**
     * Polls {@code done} every {@code interval} (the last wait shortened to the deadline) until it returns true, and
     * checks it once more at the deadline. Returns whether it held.
     */
    public boolean await(BooleanSupplier done, Duration interval, Sleeper sleeper) throws InterruptedException {
        while (true) {
            if (done.getAsBoolean()) return true;
            if (expired()) return false;
            sleeper.sleep(cap(interval));
        }
    }

    private long remainingNanos() {
        return atNanos - ticker.nanoTime();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return "Deadline[" + remaining() + " left]";
    }
}
