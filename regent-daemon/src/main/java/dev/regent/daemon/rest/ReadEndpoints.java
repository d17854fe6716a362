package dev.regent.daemon.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.regent.core.model.ClusterView;
import dev.regent.dcs.DcsException;
import java.io.IOException;

/**
 * {@code GET /patroni} (WAL positions read live, the rest from the snapshot), {@code /cluster}, {@code /history};
 * the health checks' body comes from a per-snapshot cache.
 * Thread-safe: the cache is one immutable holder in a volatile field; a race only renders twice.
 */
final class ReadEndpoints {
    private final NodeControl control;
    private volatile Rendered cache;

    /** The status JSON of one published snapshot, for one freshness of its DCS view. */
    private record Rendered(NodeStatus source, boolean fresh, byte[] json) {}

    ReadEndpoints(NodeControl control) {
        this.control = control;
    }

    /** The status document's bytes; rendered once per published snapshot (and per DCS-view freshness). */
    byte[] statusJson(NodeStatus s, long now) throws JsonProcessingException {
        ClusterView fresh = s.freshCluster(now);
        Rendered c = cache;
        if (c != null && c.source == s && c.fresh == (fresh != null)) return c.json;
        byte[] json = Exchange.JSON.writeValueAsBytes(StatusDocument.build(s, fresh));
        cache = new Rendered(s, fresh != null, json);
        return json;
    }

    /**
     * {@code GET /patroni}: as Patroni, which queries postgres on each request, the WAL positions and timeline are
     * read now ({@link NodeControl#livePostgres}); everything else is the published snapshot. Blocks up to about
     * 2 s, so it runs on a worker thread.
     */
    byte[] liveStatusJson(NodeStatus s, long now) throws JsonProcessingException {
        if (s.pg() == null || !s.isRunning()) return statusJson(s, now);
        NodeStatus.PgDetails live = control.livePostgres(s.pg());
        if (live == s.pg()) return statusJson(s, now);
        return Exchange.JSON.writeValueAsBytes(StatusDocument.build(s.withPg(live), s.freshCluster(now)));
    }

    void cluster(Exchange ex, NodeStatus s) throws IOException, DcsException {
        ClusterView view = control.readCluster();
        ex.sendJson(200, ClusterJson.cluster(view, s.scope(), s.standbyCluster()));
    }

    /**
     * Regent's {@code GET /decisions?since=<cycle or ISO-8601 time>}: this node's decision ledger, oldest first, as a
     * JSON array ({@link dev.regent.daemon.view.DecisionJson}); 400 naming {@code since} when it is neither.
     */
    void decisions(Exchange ex) throws IOException {
        dev.regent.core.ledger.Since since;
        try {
            since = dev.regent.core.ledger.Since.parse(ex.query.get("since"));
        } catch (IllegalArgumentException e) {
            throw HttpError.plain(400, e.getMessage());
        }
        java.util.List<dev.regent.core.ledger.LedgerEntry> out = control.decisions().stream().filter(since::includes)
                .toList();
        ex.sendJson(200, dev.regent.daemon.view.DecisionJson.array(out));
    }

    java.util.Map<String, Long> decisionCounts() {
        return control.decisionCounts();
    }

    void history(Exchange ex) throws IOException, DcsException {
        ex.sendJson(200, ClusterJson.history(control.readCluster()));
    }
}
