package dev.regent.dcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.model.MemberData;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * JSON codec of the {@code members/<name>} value with Patroni's field names (ha.py {@code touch_member}). Absent
 * optionals are omitted, unknown fields are kept in {@link MemberData#extra()} and written back. Stateless and
 * thread-safe.
 */
public final class MemberCodec {
    private static final Set<String> KNOWN = Set.of("conn_url", "api_url", "proxy_url", "state", "role", "version",
            "xlog_location", "receive_lsn", "replay_lsn", "replication_state", "timeline", "tags", "pending_restart",
            "pending_restart_reason", "scheduled_restart", "checkpoint_after_promote", "pause");

    private MemberCodec() {}

    /** Serialize to compact JSON in Patroni's field order; unknown fields ({@code extra}) come last. */
    public static String toJson(MemberData d) {
        ObjectNode o = Json.object();
        putText(o, "conn_url", d.connUrl());
        putText(o, "api_url", d.apiUrl());
        putText(o, "proxy_url", d.proxyUrl());
        putText(o, "state", d.state());
        putText(o, "role", d.role());
        putText(o, "version", d.version());
        if (d.xlogLocation() != null) o.put("xlog_location", d.xlogLocation());
        if (d.receiveLsn() != null) o.put("receive_lsn", d.receiveLsn());
        if (d.replayLsn() != null) o.put("replay_lsn", d.replayLsn());
        putText(o, "replication_state", d.replicationState());
        if (d.timeline() != null) o.put("timeline", d.timeline());
        if (!d.tags().isEmpty()) o.set("tags", Json.MAPPER.valueToTree(d.tags()));
        if (d.pendingRestart() != null) o.put("pending_restart", d.pendingRestart());
        if (d.pendingRestartReason() != null) {
            o.set("pending_restart_reason", Json.MAPPER.valueToTree(d.pendingRestartReason()));
        }
        if (d.scheduledRestart() != null) o.set("scheduled_restart", Json.MAPPER.valueToTree(d.scheduledRestart()));
        if (d.checkpointAfterPromote() != null) o.put("checkpoint_after_promote", d.checkpointAfterPromote());
        if (d.pause()) o.put("pause", true);
        d.extra().forEach((k, v) -> {
            if (!o.has(k)) o.set(k, Json.MAPPER.valueToTree(v));
        });
        return Json.write(o);
    }

    /**
     * Parse a member value: Patroni's JSON, or the legacy
     * {@code postgres://user:pass@host:port/db?application_name=<api_url>} form.
     *
     * @throws IllegalArgumentException when the value is neither
     */
    public static MemberData fromJson(String value) {
        if (value != null && value.startsWith("postgres")) return fromLegacyUrl(value);
        ObjectNode o = Json.parseObject(value);
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN.contains(e.getKey())) extra.put(e.getKey(), Json.toJava(e.getValue()));
        }
        Long timeline = Json.asLong(o.get("timeline"));
        return new MemberData(text(o, "conn_url"), text(o, "api_url"), text(o, "proxy_url"), text(o, "state"),
                text(o, "role"), text(o, "version"), Json.asLong(o.get("xlog_location")),
                Json.asLong(o.get("receive_lsn")), Json.asLong(o.get("replay_lsn")), text(o, "replication_state"),
                timeline == null ? null : timeline.intValue(), map(o.get("tags")), bool(o.get("pending_restart")),
                nullableMap(o.get("pending_restart_reason")), nullableMap(o.get("scheduled_restart")),
                bool(o.get("checkpoint_after_promote")), Boolean.TRUE.equals(bool(o.get("pause"))), extra);
    }

    /** Legacy value: the connection URL with {@code application_name} carrying the api_url (Patroni < 1.0). */
    private static MemberData fromLegacyUrl(String value) {
        String connUrl = value;
        String apiUrl = null;
        int q = value.indexOf('?');
        if (q >= 0) {
            connUrl = value.substring(0, q);
            for (String param : value.substring(q + 1).split("&")) {
                if (param.startsWith("application_name=")) {
                    apiUrl = URLDecoder.decode(param.substring("application_name=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        return new MemberData(connUrl, apiUrl, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, false, null);
    }

    private static void putText(ObjectNode o, String field, String value) {
        if (value != null) o.put(field, value);
    }

    private static String text(ObjectNode o, String field) {
        return Json.asText(o.get(field));
    }

    private static Boolean bool(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isBoolean()) return n.booleanValue();
        return dev.regent.core.model.Tags.isTrue(Json.toJava(n));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nullableMap(JsonNode n) {
        return n != null && n.isObject() ? (Map<String, Object>) Json.toJava(n) : null;
    }

    private static Map<String, Object> map(JsonNode n) {
        Map<String, Object> m = nullableMap(n);
        return m == null ? Map.of() : m;
    }
}
