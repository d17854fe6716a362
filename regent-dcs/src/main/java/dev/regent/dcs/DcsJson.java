package dev.regent.dcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.Failover;
import dev.regent.core.model.SyncState;
import dev.regent.core.model.TimelineHistory;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON codecs of the DCS values other than members ({@code config}, {@code status}, {@code failover}, {@code sync},
 * {@code history}, {@code failsafe}), byte-compatible with Patroni. Parsers throw {@link IllegalArgumentException}
 * on values they cannot read; {@link ClusterDecoder} turns that into "key absent". Stateless and thread-safe.
 */
public final class DcsJson {
    /** Python's {@code datetime.isoformat()}: seconds always, micros when non-zero, offset as +HH:MM. */
    private static final DateTimeFormatter ISO_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter ISO_MICROS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private DcsJson() {}

    // ---- config

    public static String configToJson(Map<String, Object> config) {
        return Json.writeValue(config);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseConfig(String value) {
        return (Map<String, Object>) Json.toJava(Json.parseObject(value));
    }

    // ---- status

    /** {@code {"optime": n, "slots": {...}, "retain_slots": [...]}}; empty slots/retain_slots are omitted. */
    public static String statusToJson(long optime, Map<String, Long> slots, List<String> retainSlots) {
        ObjectNode o = Json.object();
        o.put("optime", optime);
        if (slots != null && !slots.isEmpty()) o.set("slots", Json.MAPPER.valueToTree(slots));
        if (retainSlots != null && !retainSlots.isEmpty()) o.set("retain_slots", Json.MAPPER.valueToTree(retainSlots));
        return Json.write(o);
    }

    /** The {@code status} value; a bare integer (legacy {@code optime/leader}) is accepted as the optime. */
    public static ClusterStatus parseStatus(String value) {
        JsonNode n = Json.parse(value);
        if (n.isNumber()) return new ClusterStatus(n.asLong(), Map.of(), List.of());
        if (!n.isObject()) throw new IllegalArgumentException("status is not a JSON object");
        Long optime = Json.asLong(n.get("optime"));
        Map<String, Long> slots = new LinkedHashMap<>();
        JsonNode s = n.get("slots");
        if (s != null && s.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Long lsn = Json.asLong(e.getValue());
                if (lsn != null) slots.put(e.getKey(), lsn);
            }
        }
        List<String> retain = new ArrayList<>();
        JsonNode r = n.get("retain_slots");
        if (r != null && r.isArray()) r.forEach(x -> retain.add(x.asText()));
        return new ClusterStatus(optime == null ? 0 : optime, slots, retain);
    }

    /** The legacy {@code optime/leader} value: a plain integer. */
    public static long parseLegacyOptime(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("not an integer LSN: " + Json.abbreviate(value));
        }
    }

    // ---- failover

    /**
     * THE encoder of the {@code failover} value, byte for byte what Patroni's {@code manual_failover} writes:
     * {@code json.dumps(value, separators=(',', ':'))}, so with {@code ensure_ascii} (every character outside
     * printable ASCII is escaped as a backslash, {@code u} and four lowercase hex digits). The value is
     * {@code {"leader":..,"member":..,"scheduled_at":iso}}, keys in that order, absent (null or empty) ones left out;
     * all absent gives {@code {}}, which clears the request. {@code scheduled_at} is Python's {@code isoformat()} in
     * {@code offset} (Patroni keeps the offset the operator gave; null = UTC). {@link Failover#version()} is not
     * part of the value.
     */
    public static String failoverToJson(Failover failover, ZoneOffset offset) {
        StringBuilder sb = new StringBuilder("{");
        if (failover != null) {
            field(sb, "leader", emptyToNull(failover.leader()));
            field(sb, "member", emptyToNull(failover.candidate()));
            Instant at = failover.scheduledAt();
            if (at != null) field(sb, "scheduled_at", formatTimestamp(at, offset == null ? ZoneOffset.UTC : offset));
        }
        return sb.append('}').toString();
    }

    /** {@link #failoverToJson(Failover, ZoneOffset)} with {@code scheduled_at} in UTC. */
    public static String failoverToJson(String leader, String member, Instant scheduledAt) {
        return failoverToJson(new Failover(0, leader, member, scheduledAt), ZoneOffset.UTC);
    }

    private static void field(StringBuilder sb, String key, String value) {
        if (value == null) return;
        if (sb.length() > 1) sb.append(',');
        pyString(sb, key);
        sb.append(':');
        pyString(sb, value);
    }

    /** A JSON string as Python's {@code json.dumps} (ensure_ascii) writes it; UTF-16 units, so pairs stay pairs. */
    private static void pyString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c >= ' ' && c <= '~') {
                        sb.append(c);
                    } else {
                        sb.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * The {@code failover} value: JSON, or legacy {@code leader:candidate} text. Returns null when it names nobody
     * ({@code {}} or empty).
     */
    public static Failover parseFailover(long version, String value) {
        if (value == null || value.isBlank()) return null;
        String trimmed = value.strip();
        if (!trimmed.startsWith("{") && !trimmed.startsWith("[") && !trimmed.startsWith("\"")) {
            String[] parts = value.split(":", -1);
            String leader = emptyToNull(parts[0].strip());
            String candidate = parts.length > 1 ? emptyToNull(parts[1].strip()) : null;
            return leader == null && candidate == null ? null : new Failover(version, leader, candidate, null);
        }
        JsonNode n = Json.parse(value);
        if (!n.isObject()) throw new IllegalArgumentException("failover is not a JSON object");
        String leader = emptyToNull(Json.asText(n.get("leader")));
        String member = emptyToNull(Json.asText(n.get("member")));
        String at = emptyToNull(Json.asText(n.get("scheduled_at")));
        Instant scheduledAt = at == null ? null : parseTimestamp(at);
        if (leader == null && member == null) return null;
        return new Failover(version, leader, member, scheduledAt);
    }

    /** ISO-8601 with an offset ({@code 2024-05-01T10:00:00+02:00}, {@code ...Z}, a space instead of T). */
    public static Instant parseTimestamp(String text) {
        String t = text.strip().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an ISO-8601 timestamp with offset: " + Json.abbreviate(text), e);
        }
    }

    /** Python-style isoformat in UTC, e.g. {@code 2024-05-01T08:00:00+00:00}. */
    public static String formatTimestamp(Instant instant) {
        return formatTimestamp(instant, ZoneOffset.UTC);
    }

    /** Python's {@code isoformat()} of an aware datetime in {@code offset}: micros only when non-zero. */
    public static String formatTimestamp(Instant instant, ZoneOffset offset) {
        OffsetDateTime t = instant.atOffset(offset);
        return (t.getNano() / 1000 == 0 ? ISO_SECONDS : ISO_MICROS).format(t);
    }

    // ---- sync

    /**
     * {@code {"leader": .., "sync_standby": "a,b" | null, "quorum": n}} with standbys sorted, in Patroni's bytes
     * (compact, non-ASCII as {@code \\uXXXX}; Patroni 3.0.2 writes the same without {@code quorum}).
     */
    public static String syncToJson(String leader, Collection<String> syncStandbys, int quorum) {
        StringBuilder sb = new StringBuilder("{");
        pyString(sb, "leader");
        sb.append(':');
        if (leader == null) {
            sb.append("null");
        } else {
            pyString(sb, leader);
        }
        sb.append(',');
        pyString(sb, "sync_standby");
        sb.append(':');
        if (syncStandbys == null || syncStandbys.isEmpty()) {
            sb.append("null");
        } else {
            pyString(sb, String.join(",", new TreeSet<>(syncStandbys)));
        }
        return sb.append(",\"quorum\":").append(quorum).append('}').toString();
    }

    public static SyncState parseSync(long version, String value) {
        ObjectNode o = Json.parseObject(value);
        String leader = emptyToNull(Json.asText(o.get("leader")));
        Set<String> standbys = new LinkedHashSet<>();
        JsonNode s = o.get("sync_standby");
        if (s != null && s.isArray()) {
            s.forEach(x -> standbys.add(x.asText()));
        } else if (s != null && s.isTextual()) {
            for (String name : s.asText().split(",")) {
                if (!name.isBlank()) standbys.add(name.strip());
            }
        }
        Long quorum = Json.asLong(o.get("quorum"));
        int q = leader != null && quorum != null ? quorum.intValue() : 0;
        return new SyncState(version, leader, standbys, q);
    }

    // ---- history

    /** {@code [[tl, lsn, reason, timestamp, new_leader], ...]}; trailing nulls are omitted per row. */
    public static String historyToJson(TimelineHistory history) {
        ArrayNode rows = Json.MAPPER.createArrayNode();
        for (TimelineHistory.Entry e : history.entries()) {
            ArrayNode row = rows.addArray();
            row.add(e.timeline()).add(e.lsn()).add(e.reason());
            if (e.timestamp() != null || e.newLeader() != null) row.add(e.timestamp());
            if (e.newLeader() != null) row.add(e.newLeader());
        }
        return Json.write(rows);
    }

    public static TimelineHistory parseHistory(long version, String value) {
        JsonNode n = Json.parse(value);
        if (!n.isArray()) throw new IllegalArgumentException("history is not a JSON array");
        List<TimelineHistory.Entry> entries = new ArrayList<>();
        for (JsonNode row : n) {
            Long tl = row.isArray() ? Json.asLong(row.get(0)) : null;
            Long lsn = row.isArray() ? Json.asLong(row.get(1)) : null;
            if (tl == null || lsn == null) throw new IllegalArgumentException("bad history row " + row);
            entries.add(new TimelineHistory.Entry(tl.intValue(), lsn, Json.asText(row.get(2)),
                    Json.asText(row.get(3)), Json.asText(row.get(4))));
        }
        return new TimelineHistory(version, entries);
    }

    // ---- failsafe

    public static String failsafeToJson(Map<String, String> failsafe) {
        return Json.writeValue(failsafe);
    }

    public static Map<String, String> parseFailsafe(String value) {
        ObjectNode o = Json.parseObject(value);
        Map<String, String> m = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> m.put(e.getKey(), Json.asText(e.getValue())));
        return m;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
