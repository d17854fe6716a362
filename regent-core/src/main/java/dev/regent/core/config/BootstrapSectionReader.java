package dev.regent.core.config;

import dev.regent.core.config.NodeConfig.BootstrapConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates {@code bootstrap} (spec §1.6): initdb options (forbidden ones are errors), custom method sections and
 * the types of the well-known keys of {@code bootstrap.dcs}. Pure.
 */
final class BootstrapSectionReader {
    private BootstrapSectionReader() {}

    static BootstrapConfig read(Section top) {
        if (!top.has("bootstrap")) {
            return null;
        }
        Section s = top.child("bootstrap");
        String method = s.string("method");
        s.node().entries().forEach((k, v) -> {
            if (!ConfigSchema.BOOTSTRAP.contains(k) && !k.equals(method)) {
                s.problems().warn(s.pathOf(k), v, "unknown key, ignored");
            }
        });
        if (s.has("users")) {
            // Patroni 4 logs this at ERROR and goes on without creating the users.
            s.problems().ignoredError(s.pathOf("users"), s.raw("users"),
                    "bootstrap.users was removed in Patroni 4.0 and is ignored; create users in post_bootstrap "
                            + "instead");
        }
        Map<String, Object> methodSection = null;
        if (method != null && !method.equals("initdb")) {
            // Patroni silently falls back to initdb here; an empty cluster instead of the restored backup is worse
            // than a refusal, so a custom method without its section or command is an error
            if (!s.has(method)) {
                s.problems().error(s.pathOf("method"), s.raw("method"), "no bootstrap." + method + " section");
            } else {
                Section m = s.child(method);
                if (m.requiredString("command") != null) {
                    m.plainMap("recovery_conf");
                    methodSection = m.node().toPlainMap();
                }
            }
        }
        List<String> initdb = NodeConfigValidator.longOptions(s, "initdb", ConfigSchema.INITDB_FORBIDDEN);
        List<String> pgHba = s.stringList("pg_hba", false);
        String post = s.string("post_bootstrap");
        if (post == null) {
            post = s.string("post_init");
        }
        Map<String, Object> dcs = dynamic(s.child("dcs"));
        return new BootstrapConfig(dcs, initdb, pgHba == null ? List.of() : pgHba, post,
                methodSection == null ? "initdb" : method, methodSection);
    }

    /** Types of known dynamic keys; unknown keys are stored as-is (Patroni never validates them). */
    static Map<String, Object> dynamic(Section d) {
        for (String k : List.of("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
                "maximum_lag_on_syncnode", "max_timelines_history", "primary_start_timeout", "master_start_timeout",
                "primary_stop_timeout", "master_stop_timeout", "primary_race_backoff")) {
            d.integer(k, null, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        d.integer("synchronous_node_count", 1L, 1, Integer.MAX_VALUE);
        for (String k : List.of("check_timeline", "synchronous_mode_strict", "failsafe_mode", "pause")) {
            d.bool(k, false);
        }
        ConfigValue sync = d.raw("synchronous_mode");
        if (sync != null && PatroniValues.parseBool(sync.value()) == null) {
            d.oneOf("synchronous_mode", "off", Set.of("off", "on", "quorum"));
        }
        Section pg = d.child("postgresql");
        pg.bool("use_slots", true);
        pg.bool("use_pg_rewind", false);
        pg.plainMap("parameters");
        Section regent = d.child(FastFailover.SECTION);  // Regent-only keys of the dynamic configuration
        regent.warnUnknownKeys(Set.of(FastFailover.KEY));
        regent.bool(FastFailover.KEY, false);
        d.plainMap("slots");
        d.plainMap("standby_cluster");
        if (d.has("ignore_slots") && !d.raw("ignore_slots").isList()) {
            d.problems().error(d.pathOf("ignore_slots"), d.raw("ignore_slots"), "must be a list of matchers");
        }
        return d.node().toPlainMap();
    }
}
