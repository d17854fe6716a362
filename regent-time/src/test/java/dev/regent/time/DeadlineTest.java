package dev.regent.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlineTest {
    /** A ticker whose sleeps advance it, recording each wait. */
    static final class SteppedTime implements Ticker, Sleeper {
        long nanos = 1_000_000_000L;
        final List<Duration> waits = new ArrayList<>();

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long wallMillis() {
            return 1_700_000_000_000L + nanos / 1_000_000;
        }

        @Override
        public void sleep(Duration d) {
            waits.add(d);
            nanos += d.toNanos();
        }
    }

    @Test
    void remainingShrinksAndStopsAtZero() {
        SteppedTime t = new SteppedTime();
        Deadline d = Deadline.after(t, Duration.ofMillis(500));
        assertThat(d.remaining()).isEqualTo(Duration.ofMillis(500));
        t.nanos += 200_000_000L;
        assertThat(d.remainingMillis()).isEqualTo(300);
        assertThat(d.expired()).isFalse();
        t.nanos += 300_000_000L;
        assertThat(d.expired()).isTrue();
        t.nanos += 1;
        assertThat(d.remaining()).isEqualTo(Duration.ZERO);
        assertThat(d.remainingMillis()).isZero();
    }

    @Test
    void remainingMillisRoundsUpSoAWaitReachesTheDeadline() {
        SteppedTime t = new SteppedTime();
        Deadline d = Deadline.after(t, Duration.ofNanos(1_500_001));
        assertThat(d.remainingMillis()).isEqualTo(2);
    }

    @Test
    void awaitPollsUntilTheConditionHolds() throws InterruptedException {
        SteppedTime t = new SteppedTime();
        Deadline d = Deadline.after(t, Duration.ofSeconds(10));
        long start = t.nanos;
        boolean held = d.await(() -> t.nanos - start >= 3_000_000_000L, Duration.ofSeconds(1), t);
        assertThat(held).isTrue();
        assertThat(t.waits).hasSize(3);
    }

    @Test
    void awaitGivesUpAtTheDeadlineAfterALastCheck() throws InterruptedException {
        SteppedTime t = new SteppedTime();
        Deadline d = Deadline.after(t, Duration.ofMillis(2500));
        List<Long> checks = new ArrayList<>();
        boolean held = d.await(() -> {
            checks.add(t.nanos);
            return false;
        }, Duration.ofSeconds(1), t);
        assertThat(held).isFalse();
        // waits of 1 s, 1 s, then the last one shortened to the 0.5 s left; checked at 0, 1, 2 and 2.5 s
        assertThat(t.waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(500));
        assertThat(checks).hasSize(4);
    }

    @Test
    void hugeTimeoutsDoNotOverflow() {
        SteppedTime t = new SteppedTime();
        assertThat(Deadline.after(t, Duration.ofSeconds(Long.MAX_VALUE)).expired()).isFalse();
        assertThat(Deadline.after(t, Duration.ofSeconds(Long.MIN_VALUE)).expired()).isTrue();
        assertThat(Deadline.after(t, Duration.ofMillis(-1)).expired()).isTrue();
    }

    @Test
    void wallClockReadsTheTickersWallTime() {
        SteppedTime t = new SteppedTime();
        java.time.Clock c = t.wallClock();
        assertThat(c.millis()).isEqualTo(t.wallMillis());
        t.nanos += 2_000_000_000L;
        assertThat(c.instant().toEpochMilli()).isEqualTo(t.wallMillis());
        assertThat(c.getZone()).isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(c.withZone(java.time.ZoneId.of("Europe/Paris")).millis()).isEqualTo(t.wallMillis());
    }

    @Test
    void systemTickerIsMonotonicAndWallIsNearTheClock() {
        long a = Ticker.SYSTEM.nanoTime();
        long b = Ticker.SYSTEM.nanoTime();
        assertThat(b).isGreaterThanOrEqualTo(a);
        assertThat(Math.abs(Ticker.SYSTEM.wallMillis() - System.currentTimeMillis())).isLessThan(1000);
        assertThat(Math.abs(Ticker.SYSTEM.wallInstant().toEpochMilli() - System.currentTimeMillis())).isLessThan(1000);
        assertThat(Ticker.SYSTEM.wallClock().instant()).isBetween(java.time.Instant.now().minusSeconds(1),
                java.time.Instant.now().plusSeconds(1));
    }
}
