package dev.regent.dcs.zookeeper;

import java.time.Duration;

/**
 * The ZooKeeper client's timeouts, derived from Patroni's settings as Patroni derives them (they are not config keys):
 * the session timeout is {@code ttl} (the server clamps it to 2-20 times its tickTime and the client logs what was
 * negotiated); an attempt waits at most {@code max(1 s, retry_timeout / 2)} for a connection (kazoo's connect timeout
 * in Patroni); a command is retried with a backoff of 100 ms doubling up to 1 s until {@code retry_timeout} has passed
 * (Patroni's {@code KazooRetry(max_delay=1, deadline=retry_timeout)}).
 *
 * @param session      requested session timeout (= ttl)
 * @param retry        deadline of one command, retries included (= retry_timeout)
 */
public record ZooKeeperTimeouts(Duration session, Duration retry) {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    public ZooKeeperTimeouts {
        if (session.isNegative() || session.isZero()) throw new IllegalArgumentException("ttl must be positive");
        if (retry.isNegative() || retry.isZero()) throw new IllegalArgumentException("retry_timeout must be positive");
    }

    /** How long one attempt waits for a connection before it counts as failed: {@code max(1 s, retry_timeout/2)}. */
    public Duration connect() {
        Duration half = retry.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : half;
    }

    /** The pause after a failed attempt that was preceded by {@code previous} (null for the first). */
    static Duration nextBackoff(Duration previous) {
        if (previous == null) return FIRST_BACKOFF;
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    /** The session timeout in milliseconds, as ZooKeeper takes it. */
    int sessionMillis() {
        return (int) Math.min(Integer.MAX_VALUE, session.toMillis());
    }
}
