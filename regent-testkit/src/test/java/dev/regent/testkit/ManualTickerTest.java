package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.time.Deadline;
import dev.regent.time.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ManualTickerTest {
    private final ManualTicker time = new ManualTicker(Instant.parse("2026-03-01T12:00:00Z"));

    @Test
    void timeMovesOnlyByAdvancesAndSleeps() throws InterruptedException {
        assertThat(time.nanoTime()).isZero();
        assertThat(time.wallMillis()).isEqualTo(Instant.parse("2026-03-01T12:00:00Z").toEpochMilli());
        time.advance(Duration.ofMillis(1500));
        time.sleep(Duration.ofSeconds(2));
        time.sleep(Duration.ZERO);
        assertThat(time.monotonicMillis()).isEqualTo(3500);
        assertThat(time.wallClock().instant()).isEqualTo(Instant.parse("2026-03-01T12:00:03.500Z"));
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(2), Duration.ZERO);
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(3500));
        time.advance(Duration.ofNanos(1_234));
        assertThat(time.wallInstant()).isEqualTo(Instant.parse("2026-03-01T12:00:03.500001234Z"));
    }

    @Test
    void refusesToGoBackwards() {
        assertThatThrownBy(() -> time.advance(Duration.ofMillis(-1))).hasMessageContaining("backwards");
    }

    @Test
    void listenersHearEveryAdvanceIncludingSleeps() throws InterruptedException {
        AtomicInteger heard = new AtomicInteger();
        time.onAdvance(heard::incrementAndGet);
        time.advance(Duration.ofMillis(1));
        time.sleep(Duration.ofMillis(1));
        assertThat(heard).hasValue(2);
    }

    @Test
    void anInterruptedSleepThrowsAndLeavesTimeAlone() {
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> time.sleep(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(time.nanoTime()).isZero();
    }

    @Test
    void aDeadlineAwaitRunsItsWholeTimeoutInNoRealTime() throws InterruptedException {
        long realStart = System.nanoTime();
        boolean held = Deadline.after(time, Duration.ofMinutes(10)).await(() -> false, Duration.ofSeconds(1), time);
        assertThat(held).isFalse();
        assertThat(time.elapsed()).isEqualTo(Duration.ofMinutes(10));
        assertThat(time.sleeps()).hasSize(600);
        assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void drivesARetryPolicyToItsBudget() {
        RetryPolicy p = RetryPolicy.within(Duration.ofSeconds(10)).withBackoff(Duration.ofMillis(200));
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> p.run(time, time, t -> {
            attempts.incrementAndGet();
            time.advance(t.timeout().dividedBy(10));
            return RetryPolicy.Outcome.retry("refused", null);
        }, last -> new IllegalStateException("gave up after " + last.attempts()))).hasMessageStartingWith("gave up");
        assertThat(time.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(attempts.get()).isGreaterThan(5);
    }
}
