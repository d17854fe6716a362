package dev.regent.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The one table of Patroni configuration keys that Regent does not implement yet, with when each one matters and
 * why. Start-up validation ({@link NodeConfigValidator}), the REST API's {@code PATCH/PUT /config}, the HA loop and
 * the README's compatibility list are all produced from {@link #ALL}; an issue that implements a key removes its row.
 *
 * <p>{@link Severity#ERROR} rows weaken safety or security when their condition holds: the node refuses to start and
 * {@code /config} writes that would enable them are refused. {@link Severity#WARNING} rows are reported and ignored.
 * Pure and thread-safe.
 */
public final class UnsupportedSettings {
    /** How a row is treated when its condition holds. */
    public enum Severity { ERROR, WARNING }

    /** Which configuration tree a row is looked up in. */
    public enum Scope {
        /** the local YAML (file, directory, {@code PATRONI_*} environment) */
        LOCAL("local"),
        /** the dynamic configuration: {@code bootstrap.dcs} and {@code /config} */
        DYNAMIC("dynamic"),
        /** both: the key has the same path in the local file and in {@code /config} */
        BOTH("local, dynamic");

        private final String label;

        Scope(String label) { this.label = label; }

        public String label() { return label; }

        boolean local() { return this != DYNAMIC; }

        boolean dynamic() { return this != LOCAL; }
    }

    /**
     * One row of the table.
     *
     * @param path      dotted key path from the root of its tree, e.g. {@code restapi.certfile}
     * @param scope     where the key lives
     * @param severity  ERROR (refuse) or WARNING (report, ignore)
     * @param condition human-readable form of {@code enabled}, e.g. {@code true}, {@code set}, {@code not off/false}
     * @param reason    what Regent does instead, shown to the user
     * @param enabled   the condition on the key's value (never called with null)
     */
    public record Setting(String path, Scope scope, Severity severity, String condition, String reason,
                          Predicate<ConfigValue> enabled) {}

    /**
     * A row whose condition holds in a tree.
     *
     * @param setting the row
     * @param path    full path where it was found (e.g. {@code bootstrap.dcs.synchronous_mode})
     * @param value   the value found, with its source
     */
    public record Finding(Setting setting, String path, ConfigValue value) {
        public boolean isError() { return setting.severity() == Severity.ERROR; }

        /** {@code path: value}, e.g. {@code synchronous_mode: on}. */
        public String keyAndValue() {
            return path + ": " + (path.contains("password") ? "******" : shown(value));
        }

        /** The message shown with the key (errors refuse, warnings say the key is ignored). */
        public String message() {
            return (isError() ? "not supported by Regent yet: " : "not supported by Regent yet, ignored: ")
                    + setting.reason();
        }

        /** As a {@link ConfigError} carrying the value's file:line. */
        public ConfigError asConfigError() {
            return new ConfigError(path, value.source(), message() + " (" + keyAndValue() + ")", !isError());
        }
    }

    /** Every unsupported key, grouped by section. */
    public static final List<Setting> ALL = List.of(
            // dynamic configuration
            dyn("max_timelines_history", Severity.WARNING, "> 0", v -> intAbove(v, 0),
                    "/history is never trimmed"),
            dyn("primary_race_backoff", Severity.WARNING, "> 0", v -> intAbove(v, 0),
                    "the leader race is not postponed while WAL still arrives"),
            dyn("postgresql.create_replica_methods", Severity.WARNING, "set", UnsupportedSettings::isSet,
                    "replica creation methods and their sections are read from the local configuration only"),
            dyn("postgresql.create_replica_method", Severity.WARNING, "set", UnsupportedSettings::isSet,
                    "replica creation methods and their sections are read from the local configuration only"),
            // DCS
            raftTiming("min_timeout"), raftTiming("max_timeout"), raftTiming("connection_timeout"),
            raftTiming("append_entries_period"), raftTiming("connection_retry_time"),
            raftTiming("leader_fallback_timeout"),
            // Citus
            local("citus", Severity.ERROR, "present", UnsupportedSettings::isSet,
                    "Citus clusters are not implemented: this node would run as a plain PostgreSQL cluster"),
            // postgresql
            roleSpecific("parameters", "primary"), roleSpecific("parameters", "replica"),
            roleSpecific("parameters", "standby_leader"), roleSpecific("pg_hba", "primary"),
            roleSpecific("pg_hba", "replica"), roleSpecific("pg_hba", "standby_leader"),
            roleSpecific("pg_ident", "primary"), roleSpecific("pg_ident", "replica"),
            roleSpecific("pg_ident", "standby_leader"),
            // tags
            // process
            local("thread_pool_size", Severity.WARNING, "set", UnsupportedSettings::isSet,
                    "the JVM's threads are sized by Regent"),
            local("thread_stack_size", Severity.WARNING, "set", UnsupportedSettings::isSet,
                    "the JVM's threads are sized by Regent"));

    private UnsupportedSettings() {}

    /** Rows of the local tree (LOCAL and BOTH) enabled in {@code root}, in table order. */
    public static List<Finding> findLocal(ConfigValue root) {
        return findLocal(ALL, root);
    }

    /**
     * {@link #findLocal(ConfigValue)} against {@code table} instead of {@link #ALL}. Production always passes
     * {@link #ALL}; tests pass a table of their own, so that the refusal machinery stays tested when no row of a kind
     * (e.g. a dynamic ERROR) is left in {@link #ALL}.
     */
    public static List<Finding> findLocal(List<Setting> table, ConfigValue root) {
        return find(table, root, "", Scope::local);
    }

    /** {@link #findLocal} of the local tree, then {@link #findDynamic} of its {@code bootstrap.dcs}. */
    public static List<Finding> findInLocalConfiguration(ConfigValue root) {
        return findInLocalConfiguration(ALL, root);
    }

    /**
     * {@link #findInLocalConfiguration(ConfigValue)} against {@code table} (see {@link #findLocal(List, ConfigValue)}).
     */
    public static List<Finding> findInLocalConfiguration(List<Setting> table, ConfigValue root) {
        List<Finding> out = new ArrayList<>(findLocal(table, root));
        if (root != null && root.isMap()) {
            out.addAll(findDynamic(table, root.at("bootstrap.dcs"), "bootstrap.dcs."));
        }
        return out;
    }

    /**
     * Rows of the dynamic configuration (DYNAMIC and BOTH) enabled in {@code dynamic}, with paths prefixed by
     * {@code prefix} (e.g. {@code bootstrap.dcs.}, or empty for {@code /config}).
     */
    public static List<Finding> findDynamic(ConfigValue dynamic, String prefix) {
        return findDynamic(ALL, dynamic, prefix);
    }

    /** {@link #findDynamic(ConfigValue, String)} against {@code table} (see {@link #findLocal(List, ConfigValue)}). */
    public static List<Finding> findDynamic(List<Setting> table, ConfigValue dynamic, String prefix) {
        return find(table, dynamic, prefix, Scope::dynamic);
    }

    /** {@link #findDynamic(ConfigValue, String)} of a {@code /config} JSON tree; sources say {@code /config}. */
    public static List<Finding> findDynamic(Map<String, Object> config) {
        return findDynamic(ALL, config);
    }

    /** {@link #findDynamic(Map)} against {@code table} (see {@link #findLocal(List, ConfigValue)}). */
    public static List<Finding> findDynamic(List<Setting> table, Map<String, Object> config) {
        return config == null ? List.of() : findDynamic(table, ConfigValue.fromPlain(config, "/config"), "");
    }

    /** The ERROR findings only. */
    public static List<Finding> errors(List<Finding> findings) {
        return findings.stream().filter(Finding::isError).toList();
    }

    /**
     * One message naming every ERROR finding and why, e.g. for a refusal to start or a 400 answer; null when there
     * is none.
     */
    public static String refusal(List<Finding> findings) {
        List<Finding> errors = errors(findings);
        if (errors.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder(errors.size() == 1 ? "a setting Regent does not support yet: "
                : errors.size() + " settings Regent does not support yet: ");
        for (int i = 0; i < errors.size(); i++) {
            Finding f = errors.get(i);
            sb.append(i == 0 ? "" : "; ").append(f.keyAndValue());
            if (f.value().source() != null && !f.value().source().equals("/config")) {
                sb.append(" (").append(f.value().source()).append(')');
            }
            sb.append(": ").append(f.setting().reason());
        }
        return sb.toString();
    }

    /** The README's compatibility list: a markdown table of {@link #ALL}. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | where | severity | when | what Regent does instead |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Setting s : ALL) {
            sb.append("| `").append(s.path()).append("` | ").append(s.scope().label()).append(" | ")
                    .append(s.severity()).append(" | ").append(s.condition()).append(" | ")
                    .append(s.reason().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    private static List<Finding> find(List<Setting> table, ConfigValue root, String prefix, Predicate<Scope> scopes) {
        List<Finding> out = new ArrayList<>();
        if (root == null || !root.isMap()) {
            return out;
        }
        for (Setting s : table) {
            if (!scopes.test(s.scope())) {
                continue;
            }
            ConfigValue v = root.at(s.path());
            if (v != null && !v.isNull() && s.enabled().test(v)) {
                out.add(new Finding(s, prefix + s.path(), v));
            }
        }
        return out;
    }

    private static Setting dyn(String path, Severity severity, String condition, Predicate<ConfigValue> enabled,
                               String reason) {
        return new Setting(path, Scope.DYNAMIC, severity, condition, reason, enabled);
    }

    private static Setting local(String path, Severity severity, String condition, Predicate<ConfigValue> enabled,
                                 String reason) {
        return new Setting(path, Scope.LOCAL, severity, condition, reason, enabled);
    }

    /** Role-specific postgresql sections ({@code parameters_primary}, {@code pg_hba_replica}, ...). */
    private static Setting roleSpecific(String common, String role) {
        return new Setting("postgresql." + common + "_" + role, Scope.BOTH, Severity.WARNING, "set",
                "role-specific sections are not applied; only postgresql." + common + " is",
                UnsupportedSettings::isSet);
    }

    private static Setting raftTiming(String key) {
        return local("raft." + key, Severity.WARNING, "set", UnsupportedSettings::isSet,
                "the embedded Raft (Apache Ratis) uses its own fixed timings");
    }

    // --- conditions -------------------------------------------------------------------------------------------

    /** Present and not empty: a non-blank scalar, a non-empty list or mapping. */
    static boolean isSet(ConfigValue v) {
        if (v == null || v.isNull()) {
            return false;
        }
        if (v.isMap()) {
            return !v.entries().isEmpty();
        }
        if (v.isList()) {
            return !v.items().isEmpty();
        }
        return !v.text().isBlank();
    }

    static boolean isTrue(ConfigValue v) {
        return v.isScalar() && Boolean.TRUE.equals(PatroniValues.parseBool(v.value()));
    }

    private static String lower(ConfigValue v) {
        return v.isScalar() ? v.text().trim().toLowerCase(Locale.ROOT) : "";
    }

    private static boolean intAbove(ConfigValue v, long min) {
        Long n = v.isScalar() && !(v.value() instanceof Boolean) ? PatroniValues.parseInt(v.value()) : null;
        return n != null && n > min;
    }

    private static boolean intNot(ConfigValue v, long expected) {
        Long n = v.isScalar() && !(v.value() instanceof Boolean) ? PatroniValues.parseInt(v.value()) : null;
        return n != null && n != expected;
    }

    private static String shown(ConfigValue v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isMap()) {
            return "{" + String.join(", ", v.entries().keySet()) + "}";
        }
        if (v.isList()) {
            List<String> items = v.items().stream().map(UnsupportedSettings::shown).toList();
            return "[" + String.join(", ", items) + "]";
        }
        return v.text();
    }
}
