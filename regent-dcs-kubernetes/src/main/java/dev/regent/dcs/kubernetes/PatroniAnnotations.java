package dev.regent.dcs.kubernetes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.Failover;
import dev.regent.dcs.DcsJson;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Patroni's keys as Kubernetes annotations (patroni-interfaces.md section 5.9), both ways: which annotations carry a
 * key and the key's value (Patroni's JSON, as the other stores hold it) synthesised from them. Keys of one object
 * share it: {@code leader}, {@code status} ({@code optime}, {@code slots}, {@code retain_slots}) and {@code failsafe}
 * on the leader object; {@code config}, {@code initialize}, {@code history} on {@code <scope>-config};
 * {@code failover} ({@code leader}, {@code member}, {@code scheduled_at}) and {@code sync} ({@code leader},
 * {@code sync_standby}, {@code quorum}) on their own objects. A value that is not what the key holds (not JSON where
 * JSON belongs) is kept verbatim in the one annotation that then fails to parse for every reader, Patroni included
 * ({@code optime}, {@code scheduled_at}, {@code quorum}), so a corrupt value reads as corrupt, never as a valid one.
 * Stateless.
 */
final class PatroniAnnotations {
    static final String LEADER = "leader";
    static final List<String> LEADER_RECORD = List.of("leader", "acquireTime", "ttl", "renewTime", "transitions");
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private PatroniAnnotations() {}

    /** The value of {@code rel} (a key relative to the cluster, not a member) read from its object's annotations. */
    static String value(String rel, JsonNode ann) {
        if (ann == null) ann = F.objectNode();
        return switch (rel) {
            case "leader" -> nonEmpty(text(ann, LEADER));
            case "status" -> status(ann);
            case "failsafe", "config", "initialize", "history" -> text(ann, rel);
            case "failover" -> failover(ann);
            case "sync" -> sync(ann);
            default -> null;  // optime/leader: Patroni's Kubernetes store has only the optime annotation (status)
        };
    }

    /** The annotations that write {@code value} to {@code rel} (null values remove an annotation). */
    static ObjectNode write(String rel, String value) {
        ObjectNode a = F.objectNode();
        switch (rel) {
            case "status" -> writeStatus(a, value);
            case "optime/leader" -> a.put("optime", value);
            case "failsafe", "config", "initialize", "history" -> a.put(rel, value);
            case "failover" -> writeFailover(a, value);
            case "sync" -> writeSync(a, value);
            default -> throw new IllegalArgumentException("not a key of Patroni's layout: " + rel);
        }
        return a;
    }

    /** The annotations that remove {@code rel}. */
    static ObjectNode remove(String rel) {
        ObjectNode a = F.objectNode();
        List<String> names = switch (rel) {
            case "leader" -> List.of(LEADER);
            case "status" -> List.of("optime", "slots", "retain_slots");
            case "optime/leader" -> List.of("optime");
            case "failover" -> List.of("leader", "member", "scheduled_at");
            case "sync" -> List.of("leader", "sync_standby", "quorum");
            default -> List.of(rel);
        };
        names.forEach(a::putNull);
        return a;
    }

    /** The leader record ({@code leader}, {@code acquireTime}, {@code ttl}, {@code renewTime}, {@code transitions}). */
    static Map<String, String> leaderRecord(JsonNode ann) {
        Map<String, String> r = new LinkedHashMap<>();
        if (ann == null) return r;
        for (String n : LEADER_RECORD) {
            if (ann.hasNonNull(n)) r.put(n, ann.get(n).asText());
        }
        return r;
    }

    private static String status(JsonNode ann) {
        String optime = text(ann, "optime");
        if (optime == null) return null;
        long lsn;
        try {
            lsn = Long.parseLong(optime.strip());
        } catch (NumberFormatException e) {
            return optime;  // corrupt: the decoder names it and treats status as absent
        }
        Map<String, Long> slots = new LinkedHashMap<>();
        try {
            String s = text(ann, "slots");
            if (s != null && !s.isBlank()) {
                slots = KubeApi.MAPPER.readValue(s, new TypeReference<LinkedHashMap<String, Long>>() {});
            }
        } catch (Exception e) {
            slots = Map.of();  // Patroni ignores unreadable slots too
        }
        List<String> retain = new ArrayList<>();
        try {
            String r = text(ann, "retain_slots");
            if (r != null && !r.isBlank()) retain = KubeApi.MAPPER.readValue(r, new TypeReference<List<String>>() {});
        } catch (Exception e) {
            retain = List.of();
        }
        return DcsJson.statusToJson(lsn, slots == null ? Map.of() : slots, retain == null ? List.of() : retain);
    }

    private static void writeStatus(ObjectNode a, String value) {
        JsonNode n = parseObject(value);
        if (n == null || !n.hasNonNull("optime")) {
            a.put("optime", value).putNull("slots").putNull("retain_slots");
            return;
        }
        a.put("optime", n.get("optime").asText());
        JsonNode slots = n.get("slots");
        if (slots != null && slots.isObject() && !slots.isEmpty()) a.put("slots", slots.toString());
        else a.putNull("slots");
        JsonNode retain = n.get("retain_slots");
        if (retain != null && retain.isArray() && !retain.isEmpty()) a.put("retain_slots", retain.toString());
        else a.putNull("retain_slots");
    }

    private static String failover(JsonNode ann) {
        String at = nonEmpty(text(ann, "scheduled_at"));
        OffsetDateTime when = null;
        if (at != null) {
            try {
                when = OffsetDateTime.parse(at.strip().replace(' ', 'T'));
            } catch (DateTimeParseException e) {
                return at;  // corrupt
            }
        }
        Failover f = new Failover(0, nonEmpty(text(ann, "leader")), nonEmpty(text(ann, "member")),
                when == null ? null : when.toInstant());
        return DcsJson.failoverToJson(f, when == null ? null : when.getOffset());
    }

    private static void writeFailover(ObjectNode a, String value) {
        a.putNull("leader").putNull("member").putNull("scheduled_at");
        if (value == null || value.isBlank()) return;
        String t = value.strip();
        if (!t.startsWith("{") && !t.startsWith("[") && !t.startsWith("\"")) {  // legacy leader:candidate
            String[] parts = t.split(":", -1);
            putNonEmpty(a, "leader", parts[0].strip());
            if (parts.length > 1) putNonEmpty(a, "member", parts[1].strip());
            return;
        }
        JsonNode n = parseObject(value);
        if (n == null) {
            a.put("scheduled_at", value);
            return;
        }
        for (String k : List.of("leader", "member", "scheduled_at")) {
            if (n.hasNonNull(k)) putNonEmpty(a, k, n.get(k).asText());
        }
    }

    private static String sync(JsonNode ann) {
        String leader = text(ann, "leader");
        String standby = text(ann, "sync_standby");
        String quorum = text(ann, "quorum");
        if (leader == null && standby == null && quorum == null) return null;
        int q = 0;
        if (quorum != null && !quorum.isBlank()) {
            try {
                q = Integer.parseInt(quorum.strip());
            } catch (NumberFormatException e) {
                return quorum;  // corrupt
            }
        }
        List<String> standbys = standby == null ? List.of()
                : Arrays.stream(standby.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        return DcsJson.syncToJson(nonEmpty(leader), standbys, q);
    }

    private static void writeSync(ObjectNode a, String value) {
        a.putNull("leader").putNull("sync_standby").putNull("quorum");
        JsonNode n = parseObject(value);
        if (n == null) {
            if (value != null && !value.isBlank()) a.put("quorum", value);
            return;
        }
        if (n.hasNonNull("leader")) a.put("leader", n.get("leader").asText());
        JsonNode s = n.get("sync_standby");
        if (s != null && s.isArray()) {
            List<String> names = new ArrayList<>();
            s.forEach(x -> names.add(x.asText()));
            if (!names.isEmpty()) a.put("sync_standby", String.join(",", names));
        } else if (s != null && !s.isNull() && !s.asText().isEmpty()) {
            a.put("sync_standby", s.asText());
        }
        if (n.hasNonNull("quorum")) a.put("quorum", n.get("quorum").asText());
    }

    static JsonNode parseObject(String value) {
        if (value == null || value.isBlank()) return null;
        try {
            JsonNode n = KubeApi.MAPPER.readTree(value);
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    static String text(JsonNode ann, String name) {
        JsonNode v = ann == null ? null : ann.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void putNonEmpty(ObjectNode a, String k, String v) {
        if (v != null && !v.isEmpty()) a.put(k, v);
    }
}
