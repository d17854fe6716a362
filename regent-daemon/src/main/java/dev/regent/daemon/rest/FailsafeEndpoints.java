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
        FailsafeRequest r = FailsafeRequest.of(ex.readJsonObject(false));
        NodeControl.FailsafeReply reply = control.acceptFailsafe(r.name(), r.connUrl(), r.apiUrl(), r.slots());
        if (reply.lsn() != null) ex.http.getResponseHeaders().set("lsn", Long.toString(reply.lsn()));
        ex.sendText(reply.code(), reply.message());
    }
}
