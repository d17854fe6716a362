package dev.regent.daemon;

import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.config.UnsupportedSettings.Scope;
import dev.regent.core.config.UnsupportedSettings.Setting;
import dev.regent.core.config.UnsupportedSettings.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * A table of unsupported settings for tests: {@link UnsupportedSettings#ALL} plus a dynamic ERROR row. {@code ALL} has
 * no dynamic ERROR row left (the last one, standby_cluster.host with several hosts, is implemented), but the machinery
 * that refuses and reports such rows (PATCH/PUT /config, GET /patroni, the HA loop) must keep working for the next one.
 */
public final class SyntheticUnsupportedSettings {
    /** {@code synthetic_unsafe_mode: true} (or {@code on}) in {@code /config}. */
    public static final Setting DYNAMIC_ERROR = new Setting("synthetic_unsafe_mode", Scope.DYNAMIC, Severity.ERROR,
            "true or on", "a synthetic row of the tests: it would weaken safety",
            v -> v.isScalar() && (v.text().equalsIgnoreCase("true") || v.text().equalsIgnoreCase("on")));

    private SyntheticUnsupportedSettings() {}

    /** {@link UnsupportedSettings#ALL} with {@link #DYNAMIC_ERROR} first. */
    public static List<Setting> table() {
        List<Setting> t = new ArrayList<>(UnsupportedSettings.ALL);
        t.add(0, DYNAMIC_ERROR);
        return List.copyOf(t);
    }
}
