package dev.regent.daemon.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of a primary's {@code POST /failsafe}, as the REST API reads it: {@code name}, {@code conn_url} and
 * {@code api_url} (non-empty strings), and {@code slots}, which Patroni 3+ sends ({@code {slot_name: lsn}}) and a
 * Patroni 3.0 primary may leave out or send as null. One parser for the REST API and the simulator. Pure.
 *
 * @param slots the primary's slot positions; empty when the body has none
 */
public record FailsafeRequest(String name, String connUrl, String apiUrl, Map<String, Long> slots) {
    /**
     * Parses a JSON body (the simulator's exchange: the same rules as the REST API).
     *
     * @throws IllegalArgumentException naming what is wrong, as the REST API's 400 does
     */
    public static FailsafeRequest parse(String json) {
        JsonNode node;
        try {
            node = Exchange.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("POST /failsafe: invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException("POST /failsafe: not a JSON object");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = Exchange.JSON.convertValue(node, LinkedHashMap.class);
        try {
            return of(body);
        } catch (HttpError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** From a parsed body; a bad field is a 400 naming it. */
    static FailsafeRequest of(Map<String, Object> body) {
        return new FailsafeRequest(text(body, "name"), text(body, "conn_url"), text(body, "api_url"),
                slots(body.get("slots")));
    }

    /**
     * The request's {@code slots}: {@code {slot_name: lsn}} as Patroni 3+ sends it. Absent or null means none (a
     * Patroni 3.0 primary may send null); a slot whose position is null (a physical slot without restart_lsn on a
     * Patroni primary) is left out. Anything else that is not an object of non-negative integers is a 400.
     */
    static Map<String, Long> slots(Object raw) {
        if (raw == null) return Map.of();
        if (!(raw instanceof Map<?, ?> map)) {
            throw HttpError.plain(400, "POST /failsafe: 'slots' must be an object of slot name to LSN");
        }
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue;
            Long lsn = v instanceof Integer || v instanceof Long || v instanceof Short ? ((Number) v).longValue()
                    : v instanceof java.math.BigInteger b && b.bitLength() < 64 ? b.longValue() : null;
            if (lsn == null || lsn < 0) {
                throw HttpError.plain(400, "POST /failsafe: 'slots' entry '" + e.getKey()
                        + "' must be a non-negative integer LSN, not " + v);
            }
            out.put(String.valueOf(e.getKey()), lsn);
        }
        return out;
    }

    private static String text(Map<String, Object> body, String key) {
        Object v = body.get(key);
        if (!(v instanceof String s) || s.isEmpty()) {
            throw HttpError.plain(400, "POST /failsafe: '" + key + "' must be a non-empty string");
        }
        return s;
    }
}
