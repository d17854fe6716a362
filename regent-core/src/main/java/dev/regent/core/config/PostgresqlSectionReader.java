package dev.regent.core.config;

import dev.regent.core.config.NodeConfig.Callbacks;
import dev.regent.core.config.NodeConfig.PgExtras;
import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;
import dev.regent.core.method.ReplicaMethods;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Validates the local {@code postgresql} section (spec §1.8) and builds {@link PostgresqlConfig}. Pure. */
final class PostgresqlSectionReader {
    private PostgresqlSectionReader() {}

    static PostgresqlConfig read(Section top) {
        boolean present = top.has("postgresql");
        if (!present) {
            top.problems().error("postgresql", null, "required section is missing");
        }
        Section s = top.child("postgresql");
        List<String> methods = ReplicaMethods.configured(s.stringList("create_replica_methods", false),
                s.stringList("create_replica_method", false));
        // the standby leader's first clone runs standby_cluster.create_replica_methods with these sections too
        List<String> sectionNames = new java.util.ArrayList<>(methods);
        for (String m : standbyClusterMethods(top)) {
            if (!sectionNames.contains(m)) sectionNames.add(m);
        }
        warnUnknown(s, methods, sectionNames);
        Map<String, Map<String, Object>> methodSections = new LinkedHashMap<>();
        for (String m : sectionNames) {
            if (!m.equals(ReplicaMethods.BASEBACKUP) && s.raw(m) != null && s.raw(m).isMap()) {
                methodSections.put(m, s.raw(m).toPlainMap());
            }
        }
        String listen = s.hostPort("listen", present, true, true);
        String connect = s.hostPort("connect_address", present, false, false);
        String proxyAddress = s.hostPort("proxy_address", false, false, false);
        String dataDir = s.requiredString("data_dir");
        String configDir = s.string("config_dir");
        Section auth = s.child("authentication");
        auth.warnUnknownKeys(ConfigSchema.PG_USERS);
        PgUser superuser = user(auth, "superuser", present);
        PgUser replication = user(auth, "replication", present);
        PgUser rewind = user(auth, "rewind", false);
        Map<String, Object> parameters = localParameters(s, "parameters");
        for (String role : List.of("primary", "replica", "standby_leader")) {
            localParameters(s, "parameters_" + role);
            s.stringList("pg_hba_" + role, false);
            s.stringList("pg_ident_" + role, false);
        }
        List<String> basebackup = NodeConfigValidator.longOptions(s, "basebackup", ConfigSchema.BASEBACKUP_FORBIDDEN);
        List<String> rewindOptions = NodeConfigValidator.longOptions(s, "rewind", ConfigSchema.REWIND_FORBIDDEN);
        Boolean usePgRewind = s.bool("use_pg_rewind", null);
        if (s.has("use_slots")) {
            s.bool("use_slots", true);
            s.problems().warn(s.pathOf("use_slots"), s.raw("use_slots"),
                    "only taken from the dynamic configuration; local value ignored");
        }
        Map<String, Object> recovery = s.plainMap("recovery_conf");
        return new PostgresqlConfig(listen, connect, dataDir, configDir == null ? dataDir : configDir,
                s.string("bin_dir"), orDefault(s.string("pgpass"), "~/pgpass"),
                orDefault(s.string("database"), "postgres"), superuser, replication, rewind, parameters,
                s.stringList("pg_hba", false), s.stringList("pg_ident", false), basebackup,
                methods, usePgRewind,
                s.bool("remove_data_directory_on_rewind_failure", false),
                s.bool("remove_data_directory_on_diverged_timelines", false),
                s.integer("pg_ctl_timeout", 60L, 1, Integer.MAX_VALUE).intValue(), callbacks(s),
                s.string("pre_promote"), s.string("before_stop"), recovery == null ? Map.of() : recovery,
                binNames(s), s.bool("use_unix_socket", false), s.bool("use_unix_socket_repl", false),
                methodSections, new PgExtras(rewindOptions, s.string("krbsrvname"), proxyAddress,
                        s.string("config_base_name"), s.string("custom_conf")));
    }

    /** Unknown keys warn, except a section named after a custom replica creation method. */
    /**
     * The methods named by {@code bootstrap.dcs.standby_cluster.create_replica_methods} of this file: their
     * {@code postgresql.<method>} sections are read like the configured methods' (a method without one runs as a
     * command of its name, as in Patroni). A standby_cluster set later through {@code /config} finds only the sections
     * read here.
     */
    private static List<String> standbyClusterMethods(Section top) {
        ConfigValue v = top.raw("bootstrap");
        for (String k : List.of("dcs", "standby_cluster", "create_replica_methods")) {
            v = v == null || !v.isMap() ? null : v.get(k);
        }
        if (v == null || !v.isList()) return List.of();
        List<String> out = new java.util.ArrayList<>();
        for (ConfigValue item : v.items()) {
            if (item.isScalar() && item.text() != null) out.add(item.text());
        }
        return out;
    }

    private static void warnUnknown(Section s, List<String> methods, List<String> sectionNames) {
        s.node().entries().forEach((k, v) -> {
            if (!ConfigSchema.POSTGRESQL.contains(k) && !sectionNames.contains(k)) {
                s.problems().warn(s.pathOf(k), v, "unknown key, ignored");
            }
        });
        // Patroni would run a method without a section as a command named like the method; a missing section is
        // almost always a typo, so it is refused, as is a section without its command
        String key = s.has("create_replica_methods") ? "create_replica_methods" : "create_replica_method";
        for (String m : methods) {
            if (m.equals(ReplicaMethods.BASEBACKUP)) {
                continue;
            }
            if (!s.has(m)) {
                s.problems().error(s.pathOf(key), s.raw(key), "method '" + m + "' has no postgresql." + m
                        + " section");
            } else {
                s.child(m).requiredString("command");
            }
        }
    }

    private static PgUser user(Section auth, String role, boolean required) {
        if (!auth.has(role)) {
            if (required) {
                auth.problems().error(auth.pathOf(role + ".username"), auth.node(), "required key is missing");
            }
            return null;
        }
        Section u = auth.child(role);
        u.warnUnknownKeys(ConfigSchema.PG_USER);
        String username = u.requiredString("username");
        String password = u.string("password");
        Map<String, Object> options = new LinkedHashMap<>();
        for (String k : ConfigSchema.PG_USER) {
            if (!k.equals("username") && !k.equals("password") && u.has(k)) {
                options.put(k, u.string(k));
            }
        }
        return new PgUser(username, password, options);
    }

    /** Local GUCs; Patroni-controlled ones are dropped with a warning (they can only be set dynamically). */
    private static Map<String, Object> localParameters(Section s, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        Section p = s.child(key);
        p.node().entries().forEach((name, v) -> {
            if (ProtectedParameters.isProtected(name)) {
                p.problems().warn(p.pathOf(name), v, "controlled by Regent; set it in the dynamic configuration "
                        + "(bootstrap.dcs.postgresql.parameters or /config). Local value ignored");
            } else if (v != null && !v.isNull() && !v.isScalar()) {
                p.problems().error(p.pathOf(name), v, "must be a scalar, got " + Section.describe(v));
            } else {
                out.put(name, v == null ? null : v.value());
            }
        });
        return out;
    }

    private static Callbacks callbacks(Section s) {
        Section c = s.child("callbacks");
        c.warnUnknownKeys(ConfigSchema.CALLBACKS);
        return new Callbacks(c.string("on_start"), c.string("on_stop"), c.string("on_restart"),
                c.string("on_reload"), c.string("on_role_change"));
    }

    private static Map<String, String> binNames(Section s) {
        Section b = s.child("bin_name");
        b.warnUnknownKeys(ConfigSchema.BIN_NAMES);
        Map<String, String> out = s.stringMap("bin_name");
        return out == null ? Map.of() : out;
    }

    private static String orDefault(String v, String dflt) {
        return v == null ? dflt : v;
    }
}
