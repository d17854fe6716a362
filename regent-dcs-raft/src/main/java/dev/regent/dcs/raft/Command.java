package dev.regent.dcs.raft;

/**
 * One replicated command of the Raft key-value state machine, serialized as JSON in the Raft log. {@code now} is the
 * wall-clock time (ms) stamped by the Raft leader when it accepts the command; the client's value is ignored.
 * {@code ttl > 0} marks an ephemeral write (bound to {@code session}, or to a new session of that TTL).
 */
record Command(String op, String key, String value, String expected, long rev, long session, long ttl, long now) {

    static Command of(String op, String key) {
        return new Command(op, key, null, null, 0, 0, 0, 0);
    }

    Command withNow(long stamp) {
        return new Command(op, key, value, expected, rev, session, ttl, stamp);
    }
}
