package dev.regent.testkit.consul;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The replicated state of the Consul test server: the KV store with Consul's indexes, sessions and their
 * invalidation, lock-delays, and the agent's checks that sessions may name. One monitor guards everything;
 * every change calls {@code notifyAll()} so that blocking queries re-evaluate. Times are {@link System#nanoTime()}.
 */
final class ConsulState {
    /** One KV entry as Consul's API returns it. */
    record Entry(String key, byte[] value, long flags, long createIndex, long modifyIndex, long lockIndex,
                 String session) {
        String text() {
            return value == null ? "" : new String(value, StandardCharsets.UTF_8);
        }
    }

    /** A session: Consul's fields plus the time its TTL runs out (Long.MAX_VALUE without TTL). */
    static final class Session {
        final String id;
        final String name;
        final String node;
        final List<String> checks;
        final Duration lockDelay;
        final String behavior;
        final Duration ttl;
        final long createIndex;
        long deadlineNanos = Long.MAX_VALUE;

        Session(String id, String name, String node, List<String> checks, Duration lockDelay, String behavior,
                Duration ttl, long createIndex) {
            this.id = id;
            this.name = name;
            this.node = node;
            this.checks = List.copyOf(checks);
            this.lockDelay = lockDelay;
            this.behavior = behavior;
            this.ttl = ttl;
            this.createIndex = createIndex;
        }
    }

    /** An agent check a session can name: its status and, for TTL checks, when it turns critical. */
    static final class Check {
        final String id;
        final String name;
        final String serviceId;
        String status;
        String output = "";
        long ttlDeadlineNanos = Long.MAX_VALUE;
        Duration ttl;

        Check(String id, String name, String serviceId, String status) {
            this.id = id;
            this.name = name;
            this.serviceId = serviceId;
            this.status = status;
        }
    }

    /** A refused request, with the HTTP status and body Consul answers. */
    static final class ApiError extends RuntimeException {
        final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    static final String SERF_HEALTH = "serfHealth";

    private final String node;
    private final TreeMap<String, Entry> kv = new TreeMap<>();
    private final Map<String, Long> tombstones = new HashMap<>();
    private final Map<String, Long> lockDelayUntil = new HashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<String, Check> checks = new LinkedHashMap<>();
    private long index = 10;
    private long kvsIndex = 1;
    private Duration sessionTtlMin = Duration.ofSeconds(10);
    private double ttlLow = 2.0;
    private double ttlHigh = 2.0;

    ConsulState(String node) {
        this.node = node;
        checks.put(SERF_HEALTH, new Check(SERF_HEALTH, "Serf Health Status", "", "passing"));
    }

    String node() {
        return node;
    }

    synchronized void setSessionTtlMin(Duration min) {
        sessionTtlMin = min;
    }

    synchronized Duration sessionTtlMin() {
        return sessionTtlMin;
    }

    synchronized void setTtlMultiplier(double low, double high) {
        if (low < 1 || high < low) throw new IllegalArgumentException("need 1 <= low <= high");
        ttlLow = low;
        ttlHigh = high;
    }

    // ---- KV

    /** The entries of {@code key} (or under it with {@code recurse}) and the index Consul reports for them. */
    record Read(long index, List<Entry> entries) {}

    synchronized Read read(String key, boolean recurse) {
        if (!recurse) {
            Entry e = kv.get(key);
            // Consul: a present key reports its own ModifyIndex, an absent one the table index
            return e != null ? new Read(e.modifyIndex(), List.of(e)) : new Read(kvsIndex, List.of());
        }
        List<Entry> out = new ArrayList<>(kv.subMap(key, true, key + Character.MAX_VALUE, true).values());
        out.removeIf(e -> !e.key().startsWith(key));
        long sub = out.stream().mapToLong(Entry::modifyIndex).max().orElse(0);
        if (!key.isEmpty()) {
            for (Map.Entry<String, Long> t : tombstones.entrySet()) {
                if (t.getKey().startsWith(key)) sub = Math.max(sub, t.getValue());
            }
        }
        return new Read(key.isEmpty() || sub == 0 ? kvsIndex : sub, out);
    }

    /**
     * A blocking query: waits until {@link #read} reports an index above {@code minIndex} or {@code deadlineNanos}
     * passes, then answers the current state.
     */
    synchronized Read await(String key, boolean recurse, long minIndex, long deadlineNanos)
            throws InterruptedException {
        Read r = read(key, recurse);
        while (r.index() <= minIndex) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) break;
            wait(Math.max(1, Math.min(left / 1_000_000, 100)));
            r = read(key, recurse);
        }
        return r;
    }

    /**
     * PUT as Consul applies it: {@code acquire} (lock), else {@code release} (unlock), else {@code cas}, else set.
     * A lock on an unknown session is an {@link ApiError} 500 "invalid session".
     */
    synchronized boolean put(String key, byte[] value, long flags, Long cas, String acquire, String release) {
        Entry old = kv.get(key);
        long next = index + 1;
        if (acquire != null) {
            if (!sessions.containsKey(acquire)) throw new ApiError(500, "invalid session \"" + acquire + "\"");
            Long until = lockDelayUntil.get(key);
            if (until != null && System.nanoTime() < until) return false;  // lock-delay in force
            if (old != null && old.session() != null && !old.session().equals(acquire)) return false;
            boolean held = old != null && acquire.equals(old.session());
            long lockIndex = old == null ? 1 : held ? old.lockIndex() : old.lockIndex() + 1;
            Entry e = new Entry(key, value, flags, old == null ? next : old.createIndex(), next, lockIndex, acquire);
            if (held && Arrays.equals(old.value(), value) && old.flags() == flags) return true;  // unchanged
            return write(e);
        }
        if (release != null) {
            if (old == null || !release.equals(old.session())) return false;
            return write(new Entry(key, value, flags, old.createIndex(), next, old.lockIndex(), null));
        }
        if (cas != null) {
            if (cas == 0 ? old != null : old == null || old.modifyIndex() != cas) return false;
        }
        String session = old == null ? null : old.session();
        Entry e = new Entry(key, value, flags, old == null ? next : old.createIndex(), next,
                old == null ? 0 : old.lockIndex(), session);
        if (old != null && Arrays.equals(old.value(), value) && old.flags() == flags) return true;  // unchanged
        return write(e);
    }

    private boolean write(Entry e) {
        index = e.modifyIndex();
        kvsIndex = index;
        kv.put(e.key(), e);
        tombstones.remove(e.key());
        notifyAll();
        return true;
    }

    /** DELETE: one key, a whole prefix ({@code recurse}), or one key only at ModifyIndex {@code cas}. */
    synchronized boolean delete(String key, boolean recurse, Long cas) {
        if (recurse) {
            List<String> doomed = new ArrayList<>(read(key, true).entries().stream().map(Entry::key).toList());
            if (!doomed.isEmpty()) {
                index++;
                for (String k : doomed) remove(k);
            }
            return true;
        }
        Entry old = kv.get(key);
        if (cas != null && (old == null || old.modifyIndex() != cas)) return old == null;  // Consul's answer
        if (old == null) return true;
        index++;
        remove(key);
        return true;
    }

    private void remove(String key) {
        kv.remove(key);
        tombstones.put(key, index);
        kvsIndex = index;
        notifyAll();
    }

    // ---- sessions

    synchronized Session createSession(String name, String node, List<String> checkIds, Duration lockDelay,
                                       String behavior, Duration ttl) {
        if (node != null && !node.isEmpty() && !node.equals(this.node)) {
            throw new ApiError(500, "Failed to create session: Missing node registration");
        }
        if (!behavior.equals("release") && !behavior.equals("delete")) {
            throw new ApiError(400, "Request decode failed: Invalid Behavior setting '" + behavior + "'");
        }
        if (ttl != null && !ttl.isZero()
                && (ttl.compareTo(sessionTtlMin) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0)) {
            throw new ApiError(500, "Invalid Session TTL '" + ttl.toNanos() + "', must be between ["
                    + GoDuration.format(sessionTtlMin) + "=24h0m0s]");
        }
        for (String c : checkIds) {
            Check check = checks.get(c);
            if (check == null) throw new ApiError(500, "Missing check '" + c + "' registration");
            if (check.status.equals("critical")) throw new ApiError(500, "Check '" + c + "' is in critical state");
        }
        index++;
        Session s = new Session(UUID.randomUUID().toString(), name, this.node, checkIds, lockDelay, behavior,
                ttl == null ? Duration.ZERO : ttl, index);
        if (!s.ttl.isZero()) s.deadlineNanos = deadline(s.ttl);
        sessions.put(s.id, s);
        notifyAll();
        return s;
    }

    private long deadline(Duration ttl) {
        double factor = ttlLow == ttlHigh ? ttlLow : ThreadLocalRandom.current().nextDouble(ttlLow, ttlHigh);
        return System.nanoTime() + (long) (ttl.toNanos() * factor);
    }

    /** Renew: the TTL timer starts over; null when the session does not exist (any more). */
    synchronized Session renew(String id) {
        Session s = sessions.get(id);
        if (s != null && !s.ttl.isZero()) s.deadlineNanos = deadline(s.ttl);
        return s;
    }

    synchronized Session session(String id) {
        return sessions.get(id);
    }

    synchronized List<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    synchronized void destroy(String id) {
        invalidate(id);
    }

    /**
     * Invalidation as Consul does it: every lock of the session is released (behavior release) or its key deleted
     * (behavior delete), and the lock-delay starts for each of those keys.
     */
    private void invalidate(String id) {
        Session s = sessions.remove(id);
        if (s == null) return;
        index++;
        long delayUntil = System.nanoTime() + s.lockDelay.toNanos();
        for (Entry e : new ArrayList<>(kv.values())) {
            if (!id.equals(e.session())) continue;
            if (!s.lockDelay.isZero()) lockDelayUntil.put(e.key(), delayUntil);
            if (s.behavior.equals("delete")) {
                remove(e.key());
            } else {
                write(new Entry(e.key(), e.value(), e.flags(), e.createIndex(), index, e.lockIndex(), null));
            }
        }
        notifyAll();
    }

    /** Invalidates sessions whose TTL ran out or whose checks are critical; TTL checks that ran out go critical. */
    synchronized void tick() {
        long now = System.nanoTime();
        for (Check c : checks.values()) {
            if (now >= c.ttlDeadlineNanos && !c.status.equals("critical")) {
                c.status = "critical";
                c.output = "TTL expired";
            }
        }
        for (Session s : new ArrayList<>(sessions.values())) {
            boolean critical = s.checks.stream().map(checks::get).anyMatch(c -> c == null
                    || c.status.equals("critical"));
            if (now >= s.deadlineNanos || critical) invalidate(s.id);
        }
    }

    // ---- checks

    synchronized void putCheck(Check c) {
        checks.put(c.id, c);
        notifyAll();
    }

    synchronized Check check(String id) {
        return checks.get(id);
    }

    synchronized void removeCheck(String id) {
        checks.remove(id);
        tick();  // sessions naming it are invalidated (Consul: "any of the health checks are deregistered")
    }

    synchronized List<Check> checks() {
        return List.copyOf(checks.values());
    }

    synchronized void setCheckStatus(String id, String status, String output) {
        Check c = checks.get(id);
        if (c == null) throw new ApiError(404, "Unknown check ID \"" + id + "\"");
        c.status = status;
        c.output = output == null ? "" : output;
        if (c.ttl != null) c.ttlDeadlineNanos = System.nanoTime() + c.ttl.toNanos();
        tick();
    }

    synchronized long index() {
        return index;
    }
}
