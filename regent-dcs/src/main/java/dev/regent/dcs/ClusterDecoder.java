package dev.regent.dcs;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Failover;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.TimelineHistory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the keys under a cluster's base path into a {@link ClusterView}. Never throws for bad values: a key whose
 * value cannot be decoded is logged (naming the key) and treated as absent, as one corrupt key must not stop the HA
 * loop. Stateless and thread-safe.
 */
public final class ClusterDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDecoder.class);

    private ClusterDecoder() {}

    /** Decode {@code kvs} (full keys) relative to {@code basePath} (ending with '/'). Unknown keys are ignored. */
    public static ClusterView decode(String basePath, List<KeyValue> kvs) {
        Map<String, KeyValue> byName = new HashMap<>();
        List<Member> members = new ArrayList<>();
        for (KeyValue kv : kvs) {
            if (!kv.key().startsWith(basePath)) continue;
            String name = kv.key().substring(basePath.length());
            if (name.startsWith("members/")) {
                String memberName = name.substring("members/".length());
                if (memberName.isEmpty() || memberName.contains("/")) continue;
                Member m = decode(kv, v -> new Member(memberName, kv.modRevision(), kv.session(),
                        MemberCodec.fromJson(v)));
                if (m != null) members.add(m);
            } else {
                byName.put(name, kv);
            }
        }
        String initialize = byName.containsKey("initialize") ? byName.get("initialize").value() : null;
        ClusterConfig config = decode(byName.get("config"),
                v -> new ClusterConfig(byName.get("config").modRevision(), DcsJson.parseConfig(v)));
        ClusterStatus status = status(byName);
        KeyValue fo = byName.get("failover");
        Failover failover = decode(fo, v -> DcsJson.parseFailover(fo.modRevision(), v));
        KeyValue sy = byName.get("sync");
        SyncState sync = decode(sy, v -> DcsJson.parseSync(sy.modRevision(), v));
        KeyValue hi = byName.get("history");
        TimelineHistory history = decode(hi, v -> DcsJson.parseHistory(hi.modRevision(), v));
        Map<String, String> failsafe = decode(byName.get("failsafe"), DcsJson::parseFailsafe);
        Leader leader = leader(byName.get("leader"), members);
        return new ClusterView(initialize, config, leader, status, members, failover, sync, history, failsafe);
    }

    private static Leader leader(KeyValue kv, List<Member> members) {
        if (kv == null || kv.value() == null || kv.value().isBlank()) return null;
        String name = kv.value().strip();
        Member member = members.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        return new Leader(name, kv.modRevision(), kv.session(), member);
    }

    private static ClusterStatus status(Map<String, KeyValue> byName) {
        ClusterStatus status = decode(byName.get("status"), DcsJson::parseStatus);
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
