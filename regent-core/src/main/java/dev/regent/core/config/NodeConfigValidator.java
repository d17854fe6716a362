package dev.regent.core.config;

import dev.regent.core.config.NodeConfig.Credentials;
import dev.regent.core.config.NodeConfig.DcsConfig;
import dev.regent.core.config.NodeConfig.RestApiConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a merged local configuration tree (file + environment) and builds the typed {@link NodeConfig}.
 * Every problem is collected (nothing stops at the first error); unknown keys are warnings naming their path.
 * Pure and stateless; thread-safe.
 */
public final class NodeConfigValidator {
    private static final String RESERVED_NAME = "__patroni_strict_sync_replica_placeholder__";

    private NodeConfigValidator() {}

    /** Validates {@code tree} (a mapping); the result carries a NodeConfig only when there are no errors. */
    public static ValidationResult validate(ConfigValue tree) {
        Problems problems = new Problems();
        if (tree == null || !tree.isMap()) {
            problems.error("", tree, "the configuration must be a YAML mapping, got " + Section.describe(tree));
            return new ValidationResult(null, problems.all());
        }
        ConfigValue root = LegacyShapes.normalize(tree);
        Section top = new Section(root, "", problems);
        NodeConfig config = build(top, root);
        return new ValidationResult(problems.hasErrors() ? null : config, problems.all());
    }

    private static NodeConfig build(Section top, ConfigValue root) {
        top.warnUnknownKeys(ConfigSchema.TOP_LEVEL);
        for (String dynamicOnly : List.of("ttl", "loop_wait", "retry_timeout", "standby_cluster")) {
            if (top.has(dynamicOnly)) {
                top.problems().warn(dynamicOnly, top.raw(dynamicOnly),
                        "only taken from the dynamic configuration (bootstrap.dcs or /config); local value ignored");
            }
        }
        String name = top.requiredString("name");
        if (RESERVED_NAME.equals(name)) {
            top.problems().error("name", top.raw("name"), "'" + RESERVED_NAME + "' is reserved");
        }
        String scope = top.requiredString("scope");
        String namespace = top.string("namespace");
        top.integer("thread_pool_size", 5L, 5, 10_000);
        top.integer("thread_stack_size", null, 64 * 1024, Integer.MAX_VALUE);
        RestApiConfig restapi = restapi(top);
        Credentials ctl = ctl(top, restapi.authentication());
        DcsConfig dcs = DcsSectionReader.read(top);
        NodeConfig.PostgresqlConfig pg = PostgresqlSectionReader.read(top);
        NodeConfig.BootstrapConfig bootstrap = BootstrapSectionReader.read(top);
        Map<String, Object> tags = tags(top);
        LogConfig log = LogSectionReader.read(top);
        watchdog(top);
        NodeConfig.DecisionsConfig decisions = RegentSectionReader.read(top);
        NodeConfig.DashboardConfig dashboard = RegentSectionReader.readDashboard(top);
        UnsupportedSettings.findInLocalConfiguration(root).forEach(f -> top.problems().add(f.asConfigError()));
        return new NodeConfig(name, scope, namespace == null ? "/service" : namespace, restapi, dcs, pg, bootstrap,
                tags, log, ctl, ctlTls(top), root.toPlainMap(), decisions, dashboard);
    }

    private static RestApiConfig restapi(Section top) {
        if (!top.has("restapi")) {
            top.problems().error("restapi", null, "required section is missing");
        }
        Section s = top.child("restapi");
        s.warnUnknownKeys(ConfigSchema.RESTAPI);
        String listen = s.hostPort("listen", top.has("restapi"), true, false);
        String connect = s.hostPort("connect_address", top.has("restapi"), false, false);
        String verify = s.oneOf("verify_client", "none", Set.of("none", "optional", "required"));
        String tokens = s.oneOf("server_tokens", "original", Set.of("original", "productonly", "minimal"));
        List<String> allowlist = s.stringList("allowlist", false);
        if (allowlist != null) {
            for (int i = 0; i < allowlist.size(); i++) {
                String problem = networkProblem(allowlist.get(i));
                if (problem != null) s.problems().error(s.pathOf("allowlist") + "[" + i + "]", s.raw("allowlist"),
                        problem);
            }
        }
        Boolean includeMembers = s.bool("allowlist_include_members", false);
        Long queue = s.integer("request_queue_size", null, 0, 4096);
        Long threads = s.integer("thread_pool_size", 5L, 5, 10_000);
        Map<String, String> httpHeaders = s.stringMap("http_extra_headers");
        Map<String, String> httpsHeaders = s.stringMap("https_extra_headers");
        Map<String, String> files = new LinkedHashMap<>();
        for (String file : List.of("certfile", "keyfile", "keyfile_password", "cafile", "ciphers")) {
            String v = s.string(file);
            if (v != null && !v.isBlank()) files.put(file, v);
        }
        for (String needsCert : List.of("keyfile", "keyfile_password", "cafile", "ciphers", "https_extra_headers")) {
            if (s.has(needsCert) && !files.containsKey("certfile")) {
                s.problems().warn(s.pathOf(needsCert), s.raw(needsCert), "ignored without restapi.certfile");
            }
        }
        if (!"none".equals(verify) && !files.containsKey("certfile")) {
            s.problems().warn(s.pathOf("verify_client"), s.raw("verify_client"),
                    "ignored without restapi.certfile (the REST API is served over plain HTTP)");
        }
        NodeConfig.RestApiTls tls = files.containsKey("certfile") ? new NodeConfig.RestApiTls(files.get("certfile"),
                files.get("keyfile"), files.get("keyfile_password"), files.get("cafile"), files.get("ciphers"),
                verify) : null;
        return new RestApiConfig(listen, connect, credentials(s), tls, allowlist,
                Boolean.TRUE.equals(includeMembers), httpHeaders, httpsHeaders, tokens,
                queue == null ? null : queue.intValue(), threads == null ? 5 : threads.intValue());
    }

    /**
     * Null when an allowlist entry is usable: a host name or address, or {@code address/prefix} with an IPv4 prefix
     * of 0-32 or an IPv6 one of 0-128 (Patroni's {@code ip_network(value, False)}).
     */
    static String networkProblem(String entry) {
        String e = entry.trim();
        if (e.isEmpty()) return "must not be empty";
        int slash = e.indexOf('/');
        if (slash < 0) return null;
        String address = e.substring(0, slash);
        String prefix = e.substring(slash + 1);
        boolean v4 = address.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
        boolean v6 = address.contains(":") && address.matches("[0-9a-fA-F:.]+");
        int max = v4 ? 32 : v6 ? 128 : -1;
        if (max < 0) return "'" + entry + "' is not a network: '" + address + "' is not an IP address";
        if (!prefix.matches("\\d{1,3}") || Integer.parseInt(prefix) > max) {
            return "'" + entry + "' is not a network: the prefix must be 0-" + max;
        }
        return null;
    }

    private static Credentials ctl(Section top, Credentials restapiAuth) {
        Section s = top.child("ctl");
        s.warnUnknownKeys(ConfigSchema.CTL);
        Credentials own = credentials(s);
        return own.isSet() ? own : restapiAuth;
    }

    /** {@code ctl}'s TLS keys; {@code cacert} falls back on {@code restapi.cafile} as in Patroni. */
    private static NodeConfig.CtlTls ctlTls(Section top) {
        Section s = top.child("ctl");
        Boolean insecure = s.bool("insecure", false);
        Map<String, String> files = new LinkedHashMap<>();
        for (String file : List.of("cacert", "certfile", "keyfile", "keyfile_password")) {
            String v = s.string(file);
            if (v != null && !v.isBlank()) files.put(file, v);
        }
        if (!files.containsKey("cacert")) {
            String ca = top.child("restapi").string("cafile");
            if (ca != null && !ca.isBlank()) files.put("cacert", ca);
        }
        if (files.containsKey("keyfile") && !files.containsKey("certfile")) {
            s.problems().warn(s.pathOf("keyfile"), s.raw("keyfile"), "ignored without ctl.certfile");
        }
        return new NodeConfig.CtlTls(Boolean.TRUE.equals(insecure), files.get("cacert"), files.get("certfile"),
                files.get("keyfile"), files.get("keyfile_password"));
    }

    /** {@code <section>.authentication.username/password}: both or none. */
    private static Credentials credentials(Section s) {
        if (!s.has("authentication")) {
            return Credentials.NONE;
        }
        Section a = s.child("authentication");
        a.warnUnknownKeys(ConfigSchema.CREDENTIALS);
        String user = a.requiredString("username");
        String password = a.requiredString("password");
        return user == null ? Credentials.NONE : new Credentials(user, password);
    }

    private static Map<String, Object> tags(Section top) {
        Section s = top.child("tags");
        for (String b : ConfigSchema.PREDEFINED_TAGS_BOOL) {
            s.bool(b, false);
        }
        s.string("replicatefrom");
        Long priority = s.integer("failover_priority", 1L, 0, Integer.MAX_VALUE);
        Long syncPriority = s.integer("sync_priority", 1L, Integer.MIN_VALUE, Integer.MAX_VALUE);
        conflict(s, "nofailover", "failover_priority", priority);
        conflict(s, "nosync", "sync_priority", syncPriority);
        return new LinkedHashMap<>(s.node().toPlainMap());
    }

    /**
     * Patroni's {@code _validate_failover_tags} and its {@code nosync} twin: {@code nofailover: true} with a positive
     * {@code failover_priority}, or {@code nofailover: false} with a priority of 0 or less, contradict each other
     * (likewise {@code nosync} and {@code sync_priority}); Patroni warns and the flag wins (see
     * {@link dev.regent.core.model.Tags}). Both tags stay as configured.
     */
    private static void conflict(Section s, String flagName, String priorityName, Long priority) {
        Boolean flag = s.bool(flagName, null);
        if (flag == null || !s.has(priorityName) || priority == null) {
            return;
        }
        if (flag && priority > 0 || !flag && priority <= 0) {
            String value = flag ? "True" : "False";
            s.problems().warn(s.pathOf(flagName), s.raw(flagName), "Conflicting configuration between " + flagName
                    + ": " + value + " and " + priorityName + ": " + priority + ". Defaulting to " + flagName + ": "
                    + value);
        }
    }

    private static void watchdog(Section top) {
        Section s = top.child("watchdog");
        s.warnUnknownKeys(ConfigSchema.WATCHDOG);
        ConfigValue mode = s.raw("mode");
        // YAML turns a bare `off` into boolean false; Patroni treats that as mode off.
        if (mode != null && !Boolean.FALSE.equals(mode.value())) {
            s.oneOf("mode", "automatic", Set.of("off", "automatic", "auto", "required", "require"));
        }
        s.string("device");
        s.integer("safety_margin", 5L, -1, Integer.MAX_VALUE);
    }

    /** Long options ({@code --opt}/{@code --opt=value}) from a list of strings / single-key maps, or a map. */
    static List<String> longOptions(Section parent, String key, Set<String> forbidden) {
        ConfigValue v = parent.raw(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        String path = parent.pathOf(key);
        if (v.isMap()) {
            v.entries().forEach((k, val) -> addOption(parent, path + "." + k, k, val, val, forbidden, out));
        } else if (v.isList()) {
            for (int i = 0; i < v.items().size(); i++) {
                ConfigValue item = v.items().get(i);
                String p = path + "[" + i + "]";
                if (item.isScalar()) {
                    addOption(parent, p, item.text(), null, item, forbidden, out);
                } else if (item.isMap() && item.entries().size() == 1) {
                    var e = item.entries().entrySet().iterator().next();
                    addOption(parent, p, e.getKey(), e.getValue(), item, forbidden, out);
                } else {
                    parent.problems().error(p, item, "must be an option name or a single-key mapping");
                }
            }
        } else {
            parent.problems().error(path, v, "must be a list or a mapping of options");
        }
        return out;
    }

    private static void addOption(Section parent, String path, String name, ConfigValue value, ConfigValue at,
                                  Set<String> forbidden, List<String> out) {
        if (forbidden.contains(name)) {
            parent.problems().error(path, at, "option '" + name + "' is set by Regent and cannot be given here");
            return;
        }
        if (value != null && !value.isNull() && !value.isScalar()) {
            parent.problems().error(path, value, "option value must be a scalar");
            return;
        }
        out.add(value == null || value.isNull() ? "--" + name : "--" + name + "=" + value.text());
    }
}
