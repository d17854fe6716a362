package dev.regent.daemon.loop;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything the HA loop and its executor take from outside the decision: time, waiting, the background slot, the
 * peer probe and the process exit. Production uses {@link #system()}; a simulator supplies simulated versions, so
 * the real cycle and executor run on simulated time.
 *
 * @param ticker     monotonic and wall time (leases, timeouts, timestamps)
 * @param sleeper    how in-cycle waits wait ({@code WaitUntil}, the watcher's back-off)
 * @param background makes the background slot, given the callback that wakes the loop when a task ends
 * @param peers      how peers are asked for their state
 * @param exit       what a {@code FatalExit} does
 */
public record LoopEnvironment(Ticker ticker, Sleeper sleeper, Function<Runnable, BackgroundRunner> background,
                              PeerProbe peers, ExitHook exit) {
    public LoopEnvironment {
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(sleeper, "sleeper");
        Objects.requireNonNull(background, "background");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(exit, "exit");
    }

    /** Real clocks, {@link Thread#sleep}, a thread-backed slot, HTTP probes and a halting exit. */
    public static LoopEnvironment system(PeerProbe peers) {
        return new LoopEnvironment(Ticker.SYSTEM, Sleeper.SYSTEM, BackgroundSlot::new, peers, ExitHook.HALT);
    }

    /** This environment with another ticker (e.g. a wall clock of a test). */
    public LoopEnvironment withTicker(Ticker t) {
        return new LoopEnvironment(t, sleeper, background, peers, exit);
    }
}
