package dev.regent.daemon.rest;

import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.model.ClusterView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code unsupported_settings} field of {@code GET /patroni} (a Regent addition; Patroni has no such field): the
 * settings of the last seen {@code /config} that Regent does not implement and that weaken safety, each as
 * {@code {"key", "value", "reason"}}. Pure and thread-safe.
 */
final class UnsupportedSettingsJson {
    static final String FIELD = "unsupported_settings";

    private UnsupportedSettingsJson() {}

    /** Empty when the cluster or its {@code /config} is unknown, or when nothing unsupported is enabled. */
    static List<Map<String, Object>> of(ClusterView cluster) {
        return of(UnsupportedSettings.ALL, cluster);
    }

    /** {@link #of(ClusterView)} by {@code table} instead of {@link UnsupportedSettings#ALL} (tests). */
    static List<Map<String, Object>> of(List<UnsupportedSettings.Setting> table, ClusterView cluster) {
        if (cluster == null || cluster.config() == null) {
            return List.of();
        }
        return UnsupportedSettings.errors(UnsupportedSettings.findDynamic(table, cluster.config().data())).stream()
                .map(f -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("key", f.path());
                    m.put("value", f.value().toPlain());
                    m.put("reason", f.setting().reason());
                    return m;
                }).toList();
    }
}
