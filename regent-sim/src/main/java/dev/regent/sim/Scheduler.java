package dev.regent.sim;

import dev.regent.time.Ticker;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;

/**
 * The simulator's only source of time and order: a queue of events ordered by (simulated time, sequence number).
 * Time moves only when the next event is taken; events at the same instant run in the order they were scheduled, so a
 * run is a pure function of its inputs. Single-threaded by design (no locks, no real clock).
 *
 * <p>Also the {@link Ticker} and monotonic millisecond clock every simulated component reads: monotonic time is the
 * simulated millisecond, the wall clock a fixed epoch plus it.
 */
public final class Scheduler implements Ticker, LongSupplier {
    /** Wall-clock origin of every run (2026-01-01T00:00:00Z): fixed, so that traces do not depend on the host. */
    public static final long EPOCH_MILLIS = 1_767_225_600_000L;

    private record Event(long at, long seq, String label, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** Handle of a scheduled event; {@link #cancel()} makes it a no-op when it comes due. */
    public static final class Handle {
        private boolean cancelled;
        private final long at;

        private Handle(long at) {
            this.at = at;
        }

        public void cancel() {
            cancelled = true;
        }

        public long at() {
            return at;
        }

        public boolean cancelled() {
            return cancelled;
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long steps;

    /** Simulated monotonic milliseconds since the start of the run. */
    public long now() {
        return now;
    }

    /** Events run so far. */
    public long steps() {
        return steps;
    }

    /** Run {@code action} {@code delayMillis} from now (negative delays count as zero). */
    public Handle after(long delayMillis, String label, Runnable action) {
        return at(now + Math.max(0, delayMillis), label, action);
    }

    /** Run {@code action} at simulated time {@code atMillis} (a time in the past counts as now). */
    public Handle at(long atMillis, String label, Runnable action) {
        long when = Math.max(now, atMillis);
        Handle h = new Handle(when);
        queue.add(new Event(when, seq++, label, () -> {
            if (!h.cancelled) action.run();
        }));
        return h;
    }

    /**
     * Run events in order until none is left or the next one is later than {@code untilMillis}; then time stands at
     * {@code untilMillis}. {@code afterEach} runs after every event (the invariant checks).
     */
    public void runUntil(long untilMillis, Runnable afterEach) {
        while (!queue.isEmpty() && queue.peek().at <= untilMillis) {
            Event e = queue.poll();
            now = e.at;
            steps++;
            e.action.run();
            afterEach.run();
        }
        now = Math.max(now, untilMillis);
    }

    @Override
    public long nanoTime() {
        return now * 1_000_000L;
    }

    @Override
    public long wallMillis() {
        return EPOCH_MILLIS + now;
    }

    @Override
    public long monotonicMillis() {
        return now;
    }

    @Override
    public long getAsLong() {
        return now;
    }
}
