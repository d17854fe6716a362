package dev.regent.dcs.raft;

import dev.regent.dcs.KeyValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The replicated data of the Raft DCS: an etcd-like revisioned key space with TTL sessions. It is a pure function of
 * the commands applied in log order, so every replica holds the same state.
 *
 * <p><b>Time.</b> Time enters only through {@link Command#now()}, stamped by the Raft leader from its wall clock;
 * the state's clock is the maximum stamp seen, so it never runs backwards. Sessions expire when an applied command
 * (an ordinary write or the leader's periodic {@code tick}) carries a time past their deadline: expiry only advances
 * through the log, so all replicas agree on it. After a leader change the new leader's clock continues; a session
 * can expire early by at most the clock difference between the old and the new leader (never late: a clock behind
 * only delays expiry until it catches up with the stamps already applied).
 *
 * <p>Not thread-safe by itself; {@link KvStateMachine} guards it with this object's monitor, which watchers use too.
 */
final class KvState {
    private static final int EVENT_LOG_SIZE = 10_000;

    record Entry(String value, long createRevision, long modRevision, long session) {}

    record Session(long ttl, long deadline) {}

    /** The persistent form written to snapshots. */
    record Snapshot(TreeMap<String, Entry> data, Map<Long, Session> sessions, long revision, long nextSession,
                    long now) {}

    private record Event(long revision, String key) {}

    private TreeMap<String, Entry> data = new TreeMap<>();
    private Map<Long, Session> sessions = new HashMap<>();
    private final Deque<Event> events = new ArrayDeque<>();
    private long revision = 1;
    private long compactedRevision = 0;
    private long nextSession = 1;
    private long now = 0;

    long revision() {
        return revision;
    }

    Snapshot snapshot() {
        return new Snapshot(new TreeMap<>(data), new HashMap<>(sessions), revision, nextSession, now);
    }

    void restore(Snapshot s) {
        data = new TreeMap<>(s.data());
        sessions = new HashMap<>(s.sessions());
        revision = s.revision();
        nextSession = s.nextSession();
        now = s.now();
        events.clear();
        compactedRevision = revision;  // watchers older than the snapshot see "changed"
    }

    /** True when some session's deadline is at or before {@code time} (the leader then sends a tick). */
    boolean anyExpiredAt(long time) {
        return sessions.values().stream().anyMatch(s -> s.deadline() <= time);
    }

    /**
     * Applies one committed command. Total: a malformed command (see {@link Command#problem()}) changes nothing and
     * fails, never throws, so one bad entry cannot stop the replicas that replay it.
     */
    Result apply(Command c) {
        if (c == null || c.problem() != null) return result(false, 0);
        now = Math.max(now, c.now());
        expireSessions();
        return switch (c.op()) {
            case "tick" -> result(true, 0);
            case "create" -> data.containsKey(c.key()) ? result(false, 0) : write(c, c.value());
            case "cas" -> modRevisionOf(c.key()) != c.rev() ? result(false, 0) : write(c, c.value());
            case "pive" -> {
                Entry e = data.get(c.key());
                yield e != null && !e.value().equals(c.expected()) ? result(false, 0) : write(c, c.value());
            }
            case "put" -> write(c, c.value());
            case "delIfValue" -> {
                Entry e = data.get(c.key());
                yield e == null || !Objects.equals(e.value(), c.expected()) ? result(false, 0) : remove(c.key());
            }
            case "delIfRev" -> {
                long current = modRevisionOf(c.key());
                yield current == 0 || current != c.rev() ? result(false, 0) : remove(c.key());
            }
            case "del" -> data.containsKey(c.key()) ? remove(c.key()) : result(true, 0);
            case "delPrefix" -> removePrefix(c.key());
            case "keepAlive" -> keepAlive(c);
            case "revoke" -> revoke(c.session());
            default -> result(false, 0);  // unreachable: problem() knows every op
        };
    }

    private Result result(boolean ok, long session) {
        return new Result(ok, session, revision);
    }

    private long modRevisionOf(String key) {
        Entry e = data.get(key);
        return e == null ? 0 : e.modRevision();
    }

    private long leaseFor(Command c) {
        if (c.ttl() <= 0) return 0;
        if (sessions.containsKey(c.session())) return c.session();
        return grant(c.ttl());
    }

    private long grant(long ttl) {
        long id = nextSession++;
        sessions.put(id, new Session(ttl, now + ttl));
        return id;
    }

    private Result write(Command c, String value) {
        long session = leaseFor(c);
        revision++;
        Entry old = data.get(c.key());
        data.put(c.key(), new Entry(value, old == null ? revision : old.createRevision(), revision, session));
        record(c.key());
        return result(true, session);
    }

    private Result remove(String key) {
        revision++;
        data.remove(key);
        record(key);
        return result(true, 0);
    }

    private Result removePrefix(String prefix) {
        List<String> keys = keysUnder(prefix);
        if (!keys.isEmpty()) revision++;
        keys.forEach(k -> {
            data.remove(k);
            record(k);
        });
        return result(true, 0);
    }

    private List<String> keysUnder(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String k : data.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) break;
            keys.add(k);
        }
        return keys;
    }

    private Result keepAlive(Command c) {
        Session s = sessions.get(c.session());
        if (s == null) return result(true, grant(c.ttl()));
        sessions.put(c.session(), new Session(s.ttl(), now + s.ttl()));
        return result(true, c.session());
    }

    private Result revoke(long id) {
        if (sessions.containsKey(id)) {
            revision++;
            dropSession(id);
        }
        return result(true, 0);
    }

    /** Drops every session past its deadline, all in one new revision (as etcd does per expiry). */
    private void expireSessions() {
        List<Long> dead = new ArrayList<>();
        sessions.forEach((id, s) -> {
            if (s.deadline() <= now) dead.add(id);
        });
        if (dead.isEmpty()) return;
        revision++;
        dead.forEach(this::dropSession);
    }

    private void dropSession(long id) {
        sessions.remove(id);
        List<String> keys = new ArrayList<>();
        data.forEach((k, e) -> {
            if (e.session() == id) keys.add(k);
        });
        keys.forEach(k -> {
            data.remove(k);
            record(k);
        });
    }

    private void record(String key) {
        events.addLast(new Event(revision, key));
        while (events.size() > EVENT_LOG_SIZE) compactedRevision = events.removeFirst().revision();
    }

    List<KeyValue> range(String prefix) {
        List<KeyValue> out = new ArrayList<>();
        for (String k : keysUnder(prefix)) {
            Entry e = data.get(k);
            out.add(new KeyValue(k, e.value(), e.modRevision(), e.createRevision(),
                    e.session() == 0 ? null : Long.toString(e.session())));
        }
        return out;
    }

    boolean changedSince(String prefix, long afterRevision) {
        if (afterRevision < compactedRevision) return true;  // the event log no longer covers it
        for (var it = events.descendingIterator(); it.hasNext(); ) {
            Event e = it.next();
            if (e.revision() <= afterRevision) return false;
            if (e.key().startsWith(prefix)) return true;
        }
        return false;
    }
}
