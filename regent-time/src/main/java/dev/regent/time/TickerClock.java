package dev.regent.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/** A {@link Clock} reading a {@link Ticker}'s wall time, for APIs that take a {@code java.time} clock. */
final class TickerClock extends Clock {
    private final Ticker ticker;
    private final ZoneId zone;

    TickerClock(Ticker ticker, ZoneId zone) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return z.equals(zone) ? this : new TickerClock(ticker, z);
    }

    @Override
    public long millis() {
        return ticker.wallMillis();
    }

    @Override
    public Instant instant() {
        return ticker.wallInstant();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TickerClock c && c.ticker == ticker && c.zone.equals(zone);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(ticker) * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
        return "TickerClock[" + ticker + ", " + zone + "]";
    }
}
