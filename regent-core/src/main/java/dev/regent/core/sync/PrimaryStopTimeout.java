package dev.regent.core.sync;

import dev.regent.core.model.ClusterConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * Patroni's {@code primary_stop_timeout}: how long a demoting primary waits for its own postgres to stop before it
 * aborts it. It applies only in synchronous mode ({@code on} or {@code quorum}) and only when above 0, as Patroni's
 * {@code Ha.primary_stop_timeout()}: there a slow shutdown (a walsender waiting for a stuck standby, a long shutdown
 * checkpoint) holds the leader lock while no node accepts writes, so the operator bounds that window. In
 * asynchronous mode a stop is never cut short.
 *
 * <p>The shell applies it to the stop of every demotion (switchover, lost lock, DCS unreachable): after the timeout
 * it sends an immediate shutdown, and after the same time again SIGKILL to the postmaster and its children.
 */
public final class PrimaryStopTimeout {
    private PrimaryStopTimeout() {}

    /** The limit for a demoting primary's stop under {@code config}, empty when the stop is not cut short. */
    public static Optional<Duration> forDemote(ClusterConfig config) {
        int seconds = config.primaryStopTimeout();
        if (seconds <= 0 || !SyncMode.of(config).enabled()) return Optional.empty();
        return Optional.of(Duration.ofSeconds(seconds));
    }
}
