package dev.regent.daemon.rest;

import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.model.ClusterView;
import dev.regent.dcs.DcsException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** {@code GET/PATCH/PUT /config} (§3.7-3.8) on a fresh DCS read. Thread-safe. */
final class ConfigEndpoints {
    private final NodeControl control;

    ConfigEndpoints(NodeControl control) {
        this.control = control;
    }

    void get(Exchange ex) throws IOException, DcsException {
        ClusterView cluster = control.readCluster();
        if (cluster.config() == null) throw HttpError.page(502, "Bad Gateway: the cluster has no valid /config");
        ex.sendJson(200, cluster.config().data());
    }

    /** Deep merge with CAS on the config version; 409 when someone else wrote in between. */
    void patch(Exchange ex) throws IOException, DcsException {
        Map<String, Object> patch = ex.readJsonObject(false);
        ClusterView cluster = control.readCluster();
        if (cluster.config() == null) {
            throw HttpError.page(503, "Service Unavailable: the cluster has no valid /config to patch");
        }
        Map<String, Object> data = ConfigPatch.deepCopy(cluster.config().data());
        if (ConfigPatch.merge(data, patch)) {
            refuseUnsupported(control.unsupportedSettings(), cluster, data);
            String json = Exchange.JSON.writeValueAsString(data);
            if (!control.patchConfig(json, cluster.config().version())) {
                throw HttpError.page(409, "Conflict: /config was modified concurrently, retry");
            }
        }
        control.wakeUp();
        ex.sendJson(200, data);
    }

    /**
     * 400 when the new {@code /config} would enable a safety-relevant setting Regent does not implement (the table
     * {@code table}, {@link UnsupportedSettings#ALL} in production). Settings already enabled in the current
     * {@code /config} with the same value (written by edit-config or a Patroni member) do not block other changes;
     * they are reported by the HA loop.
     */
    private static void refuseUnsupported(List<UnsupportedSettings.Setting> table, ClusterView cluster,
                                          Map<String, Object> next) {
        List<UnsupportedSettings.Finding> before = cluster.config() == null ? List.of()
                : UnsupportedSettings.errors(UnsupportedSettings.findDynamic(table, cluster.config().data()));
        List<UnsupportedSettings.Finding> enabled = UnsupportedSettings.errors(UnsupportedSettings.findDynamic(table,
                        next))
                .stream().filter(f -> before.stream().noneMatch(b -> b.path().equals(f.path())
                        && Objects.equals(b.value().toPlain(), f.value().toPlain())))
                .toList();
        String refusal = UnsupportedSettings.refusal(enabled);
        if (refusal != null) throw HttpError.plain(400, "/config not changed: it would enable " + refusal);
    }

    /** Replace the whole config; the write is skipped when it is identical. */
    void put(Exchange ex) throws IOException, DcsException {
        Map<String, Object> body = ex.readJsonObject(false);
        ClusterView cluster = control.readCluster();
        boolean same = cluster.config() != null && Exchange.JSON.valueToTree(body)
                .equals(Exchange.JSON.valueToTree(cluster.config().data()));
        if (!same) refuseUnsupported(control.unsupportedSettings(), cluster, body);
        if (!same && !control.putConfig(Exchange.JSON.writeValueAsString(body))) {
            throw HttpError.page(502, "Bad Gateway: writing /config to the DCS failed");
        }
        ex.sendJson(200, body);
    }
}
