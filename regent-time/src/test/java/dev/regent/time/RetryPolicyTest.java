package dev.regent.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.time.DeadlineTest.SteppedTime;
import dev.regent.time.RetryPolicy.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final SteppedTime time = new SteppedTime();

    /** An attempt that fails {@code failures} times, each failure taking {@code cost} of simulated time. */
    private RetryPolicy.Attempt<String, IOException> failing(int failures, Duration cost, List<RetryPolicy.Try> seen) {
        return t -> {
            seen.add(t);
            time.nanos += cost.toNanos();
            return t.number() > failures ? Outcome.done("ok after " + t.number())
                    : Outcome.retry("failure " + t.number(), new IOException("refused " + t.number()));
        };
    }

    private static IOException gaveUp(RetryPolicy.Failure f) {
        return new IOException("gave up after " + f.attempts() + ": " + f.reason(), f.cause());
    }

    @Test
    void returnsTheFirstSuccessAndPausesOnlyBetweenRounds() throws Exception {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(10)).withRoundSize(3).withBackoff(Duration.ofMillis(200));
        List<RetryPolicy.Try> seen = new ArrayList<>();
        String r = p.run(time, time, failing(4, Duration.ofMillis(10), seen), RetryPolicyTest::gaveUp);
        assertThat(r).isEqualTo("ok after 5");
        // three attempts (one round), one pause, then two more
        assertThat(time.waits).containsExactly(Duration.ofMillis(200));
        assertThat(seen).extracting(RetryPolicy.Try::number).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void givesUpWithTheLastFailureOnceTheBudgetIsSpent() {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(1)).withBackoff(Duration.ofMillis(300));
        List<RetryPolicy.Try> seen = new ArrayList<>();
        assertThatThrownBy(() -> p.run(time, time, failing(100, Duration.ofMillis(100), seen), RetryPolicyTest::gaveUp))
                .isInstanceOf(IOException.class).hasMessage("gave up after 4: failure 4")
                .cause().hasMessage("refused 4");
        // attempts at 0, 0.4, 0.8 s and (after a pause cut to the 0.1 s left) at 1 s, which ends past the budget
        assertThat(time.waits).containsExactly(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(100));
    }

    @Test
    void aFailureThatMustNotBeRetriedIsThrownAtOnce() {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(10));
        List<Integer> attempts = new ArrayList<>();
        assertThatThrownBy(() -> p.run(time, time, t -> {
            attempts.add(t.number());
            throw new IOException("permission denied");
        }, RetryPolicyTest::gaveUp)).hasMessage("permission denied");
        assertThat(attempts).containsExactly(1);
    }

    @Test
    void attemptTimeoutIsBoundedByWhatIsLeftButNotBelowTheMinimum() throws Exception {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(5))
                .withAttemptTimeout(Duration.ofSeconds(1), Duration.ofSeconds(2));
        List<RetryPolicy.Try> seen = new ArrayList<>();
        assertThatThrownBy(() -> p.run(time, time, failing(100, Duration.ofMillis(1700), seen),
                RetryPolicyTest::gaveUp)).hasMessageStartingWith("gave up after 3");
        // 5 s left: 2 s; 3.3 s left: 2 s; 1.6 s left: 1.6 s
        assertThat(seen).extracting(RetryPolicy.Try::timeout)
                .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(1600));
        assertThat(p.attemptTimeout(Duration.ofMillis(300))).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.attemptTimeout(Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void noNewRoundWhenLessThanTheMinimumIsLeft() {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(1)).withBackoff(Duration.ofMillis(100))
                .withMinLeftToRetry(Duration.ofMillis(200));
        List<RetryPolicy.Try> seen = new ArrayList<>();
        assertThatThrownBy(() -> p.run(time, time, failing(100, Duration.ofMillis(250), seen),
                RetryPolicyTest::gaveUp)).hasMessage("gave up after 3: failure 3");
        // fail at 0.25 s (0.75 left: pause), at 0.6 s (0.4 left: pause), at 0.95 s (0.05 left: give up)
        assertThat(time.waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(100));
        assertThat(time.nanos - 1_000_000_000L).isEqualTo(Duration.ofMillis(950).toNanos());
    }

    @Test
    void aPauseIsAtLeastOneMillisecondWhileBudgetRemains() throws Exception {
        RetryPolicy p = RetryPolicy.within(Duration.ofMillis(10)).withBackoff(Duration.ofMillis(200));
        List<RetryPolicy.Try> seen = new ArrayList<>();
        p.run(time, time, failing(1, Duration.ofNanos(9_999_500), seen), RetryPolicyTest::gaveUp);
        assertThat(time.waits).containsExactly(Duration.ofMillis(1));
    }

    @Test
    void anExhaustedBudgetStillMakesOneAttempt() throws Exception {
        RetryPolicy p = RetryPolicy.within(Duration.ZERO);
        Duration given = p.run(time, time, t -> Outcome.done(t.timeout()), RetryPolicyTest::gaveUp);
        assertThat(given).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void refusesMeaninglessPolicies() {
        assertThatThrownBy(() -> RetryPolicy.within(Duration.ofSeconds(-1))).hasMessageContaining("budget");
        assertThatThrownBy(() -> RetryPolicy.within(Duration.ofSeconds(1)).withRoundSize(0))
                .hasMessageContaining("round size");
        assertThatThrownBy(() -> RetryPolicy.within(Duration.ofSeconds(1))
                .withAttemptTimeout(Duration.ofSeconds(-2), Duration.ofSeconds(1))).hasMessageContaining("negative");
    }
}
