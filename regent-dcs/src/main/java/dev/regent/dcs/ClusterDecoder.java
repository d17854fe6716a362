package dev.regent.dcs;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.TimelineHistory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the keys under a cluster's base path into a {@link ClusterView}. Never throws for bad values: a key whose
 * value cannot be decoded is logged (naming the key) and treated as absent, as one corrupt key must not stop the HA
 * loop. Stateless and thread-safe; a {@link Parsed} cache (one per reader) lets unchanged values skip JSON parsing.
 */
public final class ClusterDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDecoder.class);

    private ClusterDecoder() {}

    /**
     * The parsed values of one reader's last decode, by key: a key whose value and mod revision are unchanged reuses
     * its parsed object (immutable records only; the dynamic configuration, whose nested maps are mutable, is parsed
     * every time). Members are rewritten with the same value at every cycle, so parsing them dominated a load.
     * Thread-safe: a decode holds the cache's lock and swaps in the entries of the keys it saw.
     */
    public static final class Parsed {
        private record Entry(String value, long modRevision, Object parsed) {}

        private Map<String, Entry> entries = Map.of();
        private Map<String, Entry> next;

        @SuppressWarnings("unchecked")
        private synchronized <T> T get(KeyValue kv, Function<String, T> parser) {
            Entry e = entries.get(kv.key());
            T parsed = e != null && e.modRevision() == kv.modRevision() && Objects.equals(e.value(), kv.value())
                    ? (T) e.parsed() : parser.apply(kv.value());
            if (next != null && parsed != null) next.put(kv.key(), new Entry(kv.value(), kv.modRevision(), parsed));
            return parsed;
        }

        private synchronized void begin() {
            next = new HashMap<>();
        }

        private synchronized void end() {
            entries = next;
            next = null;
        }
    }

    /** Decode {@code kvs} (full keys) relative to {@code basePath} (ending with '/'). Unknown keys are ignored. */
    public static ClusterView decode(String basePath, List<KeyValue> kvs) {
        return decode(basePath, kvs, new Parsed());
    }

    /** As {@link #decode(String, List)}, reusing what {@code cache} parsed last time for unchanged values. */
    public static ClusterView decode(String basePath, List<KeyValue> kvs, Parsed cache) {
        synchronized (cache) {
            cache.begin();
            try {
                return decodeWith(basePath, kvs, cache);
            } finally {
                cache.end();
            }
        }
    }

    private static ClusterView decodeWith(String basePath, List<KeyValue> kvs, Parsed cache) {
        Map<String, KeyValue> byName = new HashMap<>();
        List<Member> members = new ArrayList<>();
        for (KeyValue kv : kvs) {
            if (!kv.key().startsWith(basePath)) continue;
            String name = kv.key().substring(basePath.length());
            if (name.startsWith("members/")) {
                String memberName = name.substring("members/".length());
                if (memberName.isEmpty() || memberName.contains("/")) continue;
                MemberData data = decode(kv, v -> cache.get(kv, MemberCodec::fromJson));
                Member m = data == null ? null : new Member(memberName, kv.modRevision(), kv.session(), data);
                if (m != null) members.add(m);
            } else {
                byName.put(name, kv);
            }
        }
        String initialize = byName.containsKey("initialize") ? byName.get("initialize").value() : null;
        ClusterConfig config = decode(byName.get("config"),
                v -> new ClusterConfig(byName.get("config").modRevision(), DcsJson.parseConfig(v)));
        ClusterStatus status = status(byName, cache);
        KeyValue fo = byName.get("failover");
        Failover failover = decode(fo, v -> cache.get(fo, x -> DcsJson.parseFailover(fo.modRevision(), x)));
        KeyValue sy = byName.get("sync");
        SyncState sync = decode(sy, v -> cache.get(sy, x -> DcsJson.parseSync(sy.modRevision(), x)));
        KeyValue hi = byName.get("history");
        TimelineHistory history = decode(hi, v -> cache.get(hi, x -> DcsJson.parseHistory(hi.modRevision(), x)));
        Map<String, String> failsafe = decode(byName.get("failsafe"), DcsJson::parseFailsafe);
        Leader leader = leader(byName.get("leader"), members);
        long initializeVersion = byName.containsKey("initialize") ? byName.get("initialize").modRevision() : 0;
        return new ClusterView(initialize, config, leader, status, members, failover, sync, history, failsafe,
                initializeVersion);
    }

    private static Leader leader(KeyValue kv, List<Member> members) {
        if (kv == null || kv.value() == null || kv.value().isBlank()) return null;
        String name = kv.value().strip();
        Member member = members.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        return new Leader(name, kv.modRevision(), kv.session(), member);
    }

    private static ClusterStatus status(Map<String, KeyValue> byName, Parsed cache) {
        KeyValue st = byName.get("status");
        ClusterStatus status = decode(st, v -> cache.get(st, DcsJson::parseStatus));
        if (status != null) return status;
        Long legacy = decode(byName.get("optime/leader"), DcsJson::parseLegacyOptime);
        return legacy == null ? ClusterStatus.EMPTY : new ClusterStatus(legacy, Map.of(), List.of());
    }

    private static <T> T decode(KeyValue kv, Function<String, T> parser) {
        if (kv == null) return null;
        try {
            return parser.apply(kv.value());
        } catch (RuntimeException e) {
            LOG.warn("Ignoring DCS key {}: cannot decode value '{}': {}", kv.key(), Json.abbreviate(kv.value()),
                    e.getMessage());
            return null;
        }
    }
}
