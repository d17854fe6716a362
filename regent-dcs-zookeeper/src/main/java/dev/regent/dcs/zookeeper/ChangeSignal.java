package dev.regent.dcs.zookeeper;

import dev.regent.time.Deadline;
import dev.regent.time.Ticker;
import java.time.Duration;

/**
 * A counter of events that may mean "something changed" (a watch fired, the connection was lost or came back), with
 * a wait for the next one. Thread-safe.
 */
final class ChangeSignal {
    private long count;

    /** The events so far; pass it to {@link #awaitAfter} to wait for the next one. */
    synchronized long count() {
        return count;
    }

    synchronized void bump() {
        count++;
        notifyAll();
    }

    /**
     * Wait until the count differs from {@code seen} or {@code timeout} passes on {@code ticker} (the events come
     * from the ZooKeeper client's threads). True when an event came.
     */
    synchronized boolean awaitAfter(long seen, Duration timeout, Ticker ticker) throws InterruptedException {
        Deadline deadline = Deadline.after(ticker, timeout);
        while (count == seen) {
            if (deadline.expired()) return false;
            wait(Math.max(1, Math.min(50, deadline.remainingMillis())));
        }
        return true;
    }
}
