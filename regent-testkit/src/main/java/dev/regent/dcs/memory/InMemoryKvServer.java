package dev.regent.dcs.memory;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The shared state of an in-memory DCS: one etcd-like revisioned key space with TTL sessions, used by several
 * {@link InMemoryKeyValueStore}s (one per simulated node). Revisions grow by one per write, like etcd's; an absent
 * key has mod revision 0. Sessions expire when the injected monotonic clock passes their deadline (checked on every
 * operation and on every {@link ManualClock#advance}). Nodes can be partitioned: their stores then throw
 * {@link DcsException}. Thread-safe: all state is guarded by this object's monitor, which waiters also use.
 */
public final class InMemoryKvServer {
    private static final int EVENT_LOG_SIZE = 10_000;

    private record Entry(String value, long createRevision, long modRevision, long session) {}

    private record Event(long revision, String key) {}

    private final LongSupplier nowMillis;
    private final TreeMap<String, Entry> data = new TreeMap<>();
    private final Map<Long, Long> sessionDeadlines = new HashMap<>();
    private final Map<Long, Long> sessionTtls = new HashMap<>();
    private final Deque<Event> events = new ArrayDeque<>();
    private final Set<String> partitioned = new HashSet<>();
    private final Set<String> lostCreateAnswers = new HashSet<>();
    private long revision = 1;
    private long compactedRevision = 0;
    private long nextSession = 7_587_000_000_000_000_001L;

    /** A server on real monotonic time. */
    public InMemoryKvServer() {
        this(Ticker.SYSTEM::monotonicMillis);
    }

    /** A server on the given monotonic millisecond clock; a {@link ManualClock} also wakes waiters on advance. */
    public InMemoryKvServer(LongSupplier nowMillis) {
        this.nowMillis = nowMillis;
        if (nowMillis instanceof ManualClock manual) manual.addListener(this::tick);
    }

    /** A store for one node, with the given session TTL. */
    public InMemoryKeyValueStore newStore(String node, Duration ttl) {
        return new InMemoryKeyValueStore(this, node, ttl);
    }

    /** Cut {@code node} off: every operation of its stores throws {@link DcsException} until {@link #heal}. */
    public synchronized void partition(String node) {
        partitioned.add(node);
    }

    public synchronized void heal(String node) {
        partitioned.remove(node);
    }

    /**
     * The next create of {@code key}, by any node, applies but its caller gets a {@link DcsException}: a store that
     * committed the write and timed out before answering (seen with the embedded Raft store under load).
     */
    public synchronized void loseAnswerToNextCreate(String key) {
        lostCreateAnswers.add(key);
    }

    /** Whether the answer to this create of {@code key} is to be lost (once per {@link #loseAnswerToNextCreate}). */
    synchronized boolean takeLostCreateAnswer(String key) {
        return lostCreateAnswers.remove(key);
    }

    /** The current revision, sessions whose deadline passed expired first (as any read of the store would). */
    public synchronized long revision() {
        expireSessions();
        return revision;
    }

    long now() {
        return nowMillis.getAsLong();
    }

    private synchronized void tick() {
        expireSessions();
        notifyAll();
    }

    synchronized void checkReachable(String node) throws DcsException {
        if (partitioned.contains(node)) throw new DcsException("in-memory DCS unreachable from " + node);
        expireSessions();
    }

    private void expireSessions() {
        long now = now();
        List<Long> dead = new ArrayList<>();
        sessionDeadlines.forEach((id, deadline) -> {
            if (deadline <= now) dead.add(id);
        });
        if (dead.isEmpty()) return;
        revision++;
        for (Long id : dead) dropSession(id);
    }

    /** Removes a session and its keys in the current revision (one revision per expiry, as etcd). */
    private void dropSession(long id) {
        sessionDeadlines.remove(id);
        sessionTtls.remove(id);
        List<String> keys = new ArrayList<>();
        data.forEach((k, e) -> {
            if (e.session() == id) keys.add(k);
        });
        for (String k : keys) {
            data.remove(k);
            record(k);
        }
        notifyAll();
    }

    synchronized long grant(Duration ttl) {
        long id = nextSession++;
        sessionTtls.put(id, ttl.toMillis());
        sessionDeadlines.put(id, now() + ttl.toMillis());
        return id;
    }

    /** Refresh a session; false when it is gone. */
    synchronized boolean refresh(long id) {
        expireSessions();
        Long ttl = sessionTtls.get(id);
        if (ttl == null) return false;
        sessionDeadlines.put(id, now() + ttl);
        return true;
    }

    synchronized boolean isAlive(long id) {
        expireSessions();
        return sessionTtls.containsKey(id);
    }

    synchronized void revoke(long id) {
        if (!sessionTtls.containsKey(id)) return;
        revision++;
        dropSession(id);
    }

    synchronized List<KeyValue> range(String prefix) {
        List<KeyValue> out = new ArrayList<>();
        for (Map.Entry<String, Entry> e : data.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            Entry v = e.getValue();
            out.add(new KeyValue(e.getKey(), v.value(), v.modRevision(), v.createRevision(),
                    v.session() == 0 ? null : Long.toString(v.session())));
        }
        return out;
    }

    synchronized String valueOf(String key) {
        Entry e = data.get(key);
        return e == null ? null : e.value();
    }

    synchronized long modRevisionOf(String key) {
        Entry e = data.get(key);
        return e == null ? 0 : e.modRevision();
    }

    /** Write (session 0 = persistent). The caller holds the monitor when it made a comparison first. */
    synchronized void put(String key, String value, long session) {
        revision++;
        Entry old = data.get(key);
        data.put(key, new Entry(value, old == null ? revision : old.createRevision(), revision, session));
        record(key);
        notifyAll();
    }

    synchronized void remove(String key) {
        if (!data.containsKey(key)) return;
        revision++;
        data.remove(key);
        record(key);
        notifyAll();
    }

    synchronized void removePrefix(String prefix) {
        List<String> keys = range(prefix).stream().map(KeyValue::key).toList();
        if (keys.isEmpty()) return;
        revision++;
        keys.forEach(k -> {
            data.remove(k);
            record(k);
        });
        notifyAll();
    }

    private void record(String key) {
        events.addLast(new Event(revision, key));
        while (events.size() > EVENT_LOG_SIZE) compactedRevision = events.removeFirst().revision();
    }

    /** Blocks until a key under {@code prefix} changes after {@code afterRevision} or the clock passes the timeout. */
    synchronized boolean awaitChange(String node, String prefix, long afterRevision, Duration timeout)
            throws InterruptedException {
        long deadline = now() + timeout.toMillis();
        while (true) {
            expireSessions();
            if (!partitioned.contains(node) && changedSince(prefix, afterRevision)) return true;
            long remaining = deadline - now();
            if (remaining <= 0) return false;
            wait(remaining);
        }
    }

    private boolean changedSince(String prefix, long afterRevision) {
        if (afterRevision < compactedRevision) return true;  // the log no longer covers it: report a change
        for (var it = events.descendingIterator(); it.hasNext(); ) {
            Event e = it.next();
            if (e.revision() <= afterRevision) return false;
            if (e.key().startsWith(prefix)) return true;
        }
        return false;
    }
}
