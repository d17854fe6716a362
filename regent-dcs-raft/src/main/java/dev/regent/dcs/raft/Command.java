package dev.regent.dcs.raft;

import java.util.Set;

/**
 * One replicated command of the Raft key-value state machine, serialized as JSON in the Raft log. {@code now} is the
 * wall-clock time (ms) stamped by the Raft leader when it accepts the command; the client's value is ignored.
 * {@code ttl > 0} marks an ephemeral write (bound to {@code session}, or to a new session of that TTL).
 */
record Command(String op, String key, String value, String expected, long rev, long session, long ttl, long now) {
    /** Longest key accepted, in characters (etcd refuses far longer requests too; Patroni's keys are short). */
    static final int MAX_KEY = 4096;
    /** Largest value accepted, in characters: 1 MiB, under etcd's default 1.5 MiB request limit. */
    static final int MAX_VALUE = 1 << 20;

    private static final Set<String> KEYLESS = Set.of("tick", "keepAlive", "revoke");
    private static final Set<String> WRITES = Set.of("create", "cas", "pive", "put");
    private static final Set<String> DELETES = Set.of("delIfValue", "delIfRev", "del", "delPrefix");

    static Command of(String op, String key) {
        return new Command(op, key, null, null, 0, 0, 0, 0);
    }

    Command withNow(long stamp) {
        return new Command(op, key, value, expected, rev, session, ttl, stamp);
    }

    /**
     * Why the state machine must refuse this command, or null when it is well formed: a known op, the key and value
     * that op needs within {@link #MAX_KEY}/{@link #MAX_VALUE}, no negative number. The leader refuses a bad command
     * before it enters the log, and {@link KvState#apply} refuses it again: a committed entry that threw would stop
     * every replica, at every restart.
     */
    String problem() {
        if (op == null) return "no op";
        boolean keyless = KEYLESS.contains(op);
        if (!keyless && !WRITES.contains(op) && !DELETES.contains(op)) return "unknown op '" + cut(op) + "'";
        if (!keyless && key == null) return "op '" + op + "' without a key";
        if (key != null && key.length() > MAX_KEY) return "key longer than " + MAX_KEY + " characters";
        if (WRITES.contains(op) && value == null) return "op '" + op + "' without a value";
        if (value != null && value.length() > MAX_VALUE) return "value larger than " + MAX_VALUE + " characters";
        if (expected != null && expected.length() > MAX_VALUE) return "expected value larger than " + MAX_VALUE
                + " characters";
        if (rev < 0 || session < 0 || ttl < 0) return "negative rev, session or ttl";
        return null;
    }

    private static String cut(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
