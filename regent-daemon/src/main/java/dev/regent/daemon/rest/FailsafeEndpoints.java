package dev.regent.daemon.rest;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /failsafe} and {@code POST /failsafe} (Patroni's do_GET_failsafe, do_POST_failsafe, §3.10). A primary in
 * failsafe mode posts {@code {name, conn_url, api_url[, slots]}} to every member while the DCS is unreachable; a
 * replica answers 200 {@code Accepted} (with its received/replayed position in the {@code lsn} header) and then
 * treats the caller as the leader for ttl; a running primary answers 500 {@code Running as a leader}; with failsafe
 * mode off, 502. The {@code slots} (the primary's slot positions) are kept with the request: while the DCS is
 * unreachable this replica advances its slot copies to them. Thread-safe.
 */
final class FailsafeEndpoints {
    static final String NOT_ACTIVE = "Bad Gateway";
    private final NodeControl control;

    FailsafeEndpoints(NodeControl control) {
        this.control = control;
    }

    /** The last known {@code /failsafe} ({@code {member: api_url}}), 502 when there is none. */
    void get(Exchange ex) throws IOException {
        Map<String, String> topology = control.failsafeTopology();
        if (topology == null) throw HttpError.page(502, NOT_ACTIVE);
        ex.sendJson(200, topology);
    }

    /** The request of a primary in failsafe mode; the caller has already checked the credentials. */
    void post(Exchange ex) throws IOException {
        if (!control.failsafeModeEnabled()) {
            ex.drain();
            throw HttpError.page(502, NOT_ACTIVE);
        }
        Map<String, Object> body = ex.readJsonObject(false);
        String name = text(body, "name");
        String connUrl = text(body, "conn_url");
        String apiUrl = text(body, "api_url");
        NodeControl.FailsafeReply reply = control.acceptFailsafe(name, connUrl, apiUrl, slots(body.get("slots")));
        if (reply.lsn() != null) ex.http.getResponseHeaders().set("lsn", Long.toString(reply.lsn()));
        ex.sendText(reply.code(), reply.message());
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
