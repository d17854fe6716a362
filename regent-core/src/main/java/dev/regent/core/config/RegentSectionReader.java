package dev.regent.core.config;

import java.util.Set;

/**
 * Validates the {@code regent} section: Regent's own settings, which Patroni does not have (Patroni ignores the
 * section). Today {@code regent.decisions} (the decision ledger): {@code keep}, how many decisions are kept (default
 * 500, 1 to 100000), and {@code dir}, the directory of the ledger file {@code <name>.decisions.jsonl} (default: the
 * parent directory of {@code postgresql.data_dir}); and {@code regent.dashboard.enabled}, whether the REST API serves
 * the built-in dashboard page {@code GET /dashboard} (default true). Pure.
 */
final class RegentSectionReader {
    static final Set<String> REGENT = Set.of("decisions", "dashboard");
    static final Set<String> DASHBOARD = Set.of("enabled");
    static final Set<String> DECISIONS = Set.of("keep", "dir");

    private RegentSectionReader() {}

    static NodeConfig.DecisionsConfig read(Section top) {
        Section regent = top.child("regent");
        regent.warnUnknownKeys(REGENT);
        Section s = regent.child("decisions");
        s.warnUnknownKeys(DECISIONS);
        long keep = s.integer("keep", (long) NodeConfig.DecisionsConfig.DEFAULT_KEEP, 1, 100_000);
        String dir = s.string("dir");
        if (dir != null && dir.isBlank()) {
            s.problems().error(s.pathOf("dir"), s.raw("dir"), "must not be empty");
            dir = null;
        } else if (dir != null && dir.indexOf('\0') >= 0) {
            s.problems().error(s.pathOf("dir"), s.raw("dir"), "must not contain a NUL character");
            dir = null;
        }
        return new NodeConfig.DecisionsConfig((int) keep, dir);
    }

    /** {@code regent.dashboard}: unknown keys under it are warnings, a non-boolean {@code enabled} an error. */
    static NodeConfig.DashboardConfig readDashboard(Section top) {
        ConfigValue regent = top.raw("regent");
        if (regent != null && !regent.isMap()) return NodeConfig.DashboardConfig.DEFAULT;  // read() reported it
        Section s = top.child("regent").child("dashboard");
        s.warnUnknownKeys(DASHBOARD);
        Boolean enabled = s.bool("enabled", Boolean.TRUE);
        return new NodeConfig.DashboardConfig(enabled == null || enabled);
    }
}
