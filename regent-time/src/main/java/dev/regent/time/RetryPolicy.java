package dev.regent.time;

import java.time.Duration;
import java.util.Objects;

/**
 * How a DCS client retries a failed request: within a total {@code budget} (Patroni's {@code retry_timeout}), in
 * rounds of {@code roundSize} attempts (one per endpoint, say) separated by a {@code backoff} pause, each attempt
 * given a timeout of at most {@code maxAttemptTimeout}, shortened to what is left of the budget but never below
 * {@code minAttemptTimeout} (which wins over the maximum). A new round starts only while at least
 * {@code minLeftToRetry} of the budget remains.
 * Immutable value; {@link #run} reads time only from the ticker and sleeper it is given.
 *
 * @param budget            total time for all attempts; once spent, the next failure gives up
 * @param backoff           pause after each full round (shortened to what is left, at least 1 ms)
 * @param roundSize         attempts per round (at least 1); no pause between the attempts of one round
 * @param maxAttemptTimeout the timeout of one attempt when the budget leaves more
 * @param minAttemptTimeout the least timeout an attempt is given, even when less of the budget is left
 * @param minLeftToRetry    a pause and a new round only when at least this much of the budget is left
 */
public record RetryPolicy(Duration budget, Duration backoff, int roundSize, Duration maxAttemptTimeout,
                          Duration minAttemptTimeout, Duration minLeftToRetry) {

    private static final Duration LEAST_PAUSE = Duration.ofMillis(1);

    public RetryPolicy {
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxAttemptTimeout, "maxAttemptTimeout");
        Objects.requireNonNull(minAttemptTimeout, "minAttemptTimeout");
        Objects.requireNonNull(minLeftToRetry, "minLeftToRetry");
        if (budget.isNegative()) throw new IllegalArgumentException("retry budget must not be negative: " + budget);
        if (backoff.isNegative()) throw new IllegalArgumentException("retry backoff must not be negative: " + backoff);
        if (roundSize < 1) throw new IllegalArgumentException("retry round size must be at least 1: " + roundSize);
        if (minAttemptTimeout.isNegative() || maxAttemptTimeout.isNegative()) {
            throw new IllegalArgumentException("attempt timeouts must not be negative: "
                    + minAttemptTimeout + ", " + maxAttemptTimeout);
        }
    }

    /**
     * Attempts until {@code budget} is spent, one per round, no pause, each attempt given what is left (at least
     * 1 ms). Narrow it with the {@code with...} methods.
     */
    public static RetryPolicy within(Duration budget) {
        return new RetryPolicy(budget, Duration.ZERO, 1, budget, Duration.ofMillis(1), Duration.ZERO);
    }

    public RetryPolicy withBackoff(Duration pause) {
        return new RetryPolicy(budget, pause, roundSize, maxAttemptTimeout, minAttemptTimeout, minLeftToRetry);
    }

    public RetryPolicy withRoundSize(int attempts) {
        return new RetryPolicy(budget, backoff, attempts, maxAttemptTimeout, minAttemptTimeout, minLeftToRetry);
    }

    public RetryPolicy withAttemptTimeout(Duration min, Duration max) {
        return new RetryPolicy(budget, backoff, roundSize, max, min, minLeftToRetry);
    }

    public RetryPolicy withMinLeftToRetry(Duration least) {
        return new RetryPolicy(budget, backoff, roundSize, maxAttemptTimeout, minAttemptTimeout, least);
    }

    /** The timeout of an attempt that starts when {@code left} of the budget remains. */
    public Duration attemptTimeout(Duration left) {
        Duration t = left.compareTo(maxAttemptTimeout) < 0 ? left : maxAttemptTimeout;
        return t.compareTo(minAttemptTimeout) < 0 ? minAttemptTimeout : t;
    }

    /**
     * Runs {@code attempt} until it succeeds, throws, or the budget is spent. A failed attempt
     * ({@link Outcome#retry}) is followed by the next one at once within a round, after the backoff between rounds;
     * when the budget is spent (checked after each failure) or too little of it is left for another round,
     * {@code giveUp} turns the last failure into the exception thrown.
     *
     * @throws E                    what an attempt threw (not retried), or what {@code giveUp} made of the last failure
     * @throws InterruptedException when interrupted while an attempt or a pause waits
     */
    public <T, E extends Exception> T run(Ticker ticker, Sleeper sleeper, Attempt<T, E> attempt, GiveUp<E> giveUp)
            throws E, InterruptedException {
        Deadline deadline = Deadline.after(ticker, budget);
        int attempts = 0;
        int inRound = 0;
        while (true) {
            Outcome<T> o = attempt.attempt(new Try(++attempts, attemptTimeout(deadline.remaining()), deadline));
            if (o instanceof Outcome.Done<T> done) return done.value();
            Outcome.Retry<T> failed = (Outcome.Retry<T>) o;
            Failure failure = new Failure(failed.reason(), failed.cause(), attempts);
            if (deadline.expired()) throw giveUp.after(failure);
            if (++inRound >= roundSize) {
                inRound = 0;
                if (deadline.remaining().compareTo(minLeftToRetry) < 0) throw giveUp.after(failure);
                Duration pause = deadline.cap(backoff);
                if (!backoff.isZero()) sleeper.sleep(pause.compareTo(LEAST_PAUSE) < 0 ? LEAST_PAUSE : pause);
            }
        }
    }

    /** One attempt: its number (from 1), its timeout, and the deadline of the whole budget. */
    public record Try(int number, Duration timeout, Deadline deadline) {}

    /** The last failure when the policy gives up: what went wrong, its exception if any, how many attempts ran. */
    public record Failure(String reason, Throwable cause, int attempts) {}

    /** One attempt of a request. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        /** Tries once within {@code t.timeout()}; throws {@code E} for a failure that must not be retried. */
        Outcome<T> attempt(Try t) throws E, InterruptedException;
    }

    /** Makes the exception thrown when the policy gives up. */
    @FunctionalInterface
    public interface GiveUp<E extends Exception> {
        E after(Failure last);
    }

    /** The result of one attempt: a value, or a failure worth retrying. */
    public sealed interface Outcome<T> {
        static <T> Outcome<T> done(T value) {
            return new Done<>(value);
        }

        /** A failure worth retrying, described by {@code reason} (for the final message) and its {@code cause}. */
        static <T> Outcome<T> retry(String reason, Throwable cause) {
            return new Retry<>(Objects.requireNonNull(reason, "reason"), cause);
        }

        record Done<T>(T value) implements Outcome<T> {}

        record Retry<T>(String reason, Throwable cause) implements Outcome<T> {}
    }
}
