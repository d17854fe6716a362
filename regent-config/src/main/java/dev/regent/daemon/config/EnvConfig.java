package dev.regent.daemon.config;

import dev.regent.core.config.ConfigError;
import dev.regent.core.config.ConfigValue;
import dev.regent.core.config.PatroniValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Builds the configuration tree that {@code PATRONI_*} environment variables describe (spec §2, Patroni's
 * {@code _build_environment_configuration}): fixed per-section names, {@code PATRONI_<SUPERUSER|REPLICATION|REWIND>_*}
 * credentials, {@code PATRONI_RESTAPI_USERNAME/PASSWORD}, and {@code PATRONI_<SECTION>_<SUFFIX>} for DCS sections,
 * with Patroni's typing rules (ints, booleans, YAML lists and maps). Empty values are ignored like in Patroni.
 * Every node's source is {@code env <VAR>}. Pure function of the given map; thread-safe.
 */
public final class EnvConfig {
    private static final String P = "PATRONI_";

    /** The result: the tree, the variables used (Patroni would remove them from its environment), problems. */
    public record Result(ConfigValue tree, Set<String> usedVariables, List<ConfigError> problems) {}

    private static final Map<String, List<String>> SECTION_KEYS = Map.of(
            "restapi", List.of("listen", "connect_address", "certfile", "keyfile", "keyfile_password", "cafile",
                    "ciphers", "verify_client", "http_extra_headers", "https_extra_headers", "allowlist",
                    "allowlist_include_members", "request_queue_size", "server_tokens", "thread_pool_size"),
            "ctl", List.of("insecure", "cacert", "certfile", "keyfile", "keyfile_password"),
            "postgresql", List.of("listen", "connect_address", "proxy_address", "config_dir", "data_dir", "pgpass",
                    "bin_dir"),
            "log", List.of("type", "level", "traceback_level", "format", "dateformat", "static_fields",
                    "max_queue_size", "dir", "mode", "file_size", "file_num", "loggers", "deduplicate_heartbeat_logs"),
            "raft", List.of("data_dir", "self_addr", "partner_addrs", "password", "bind_addr", "insecure",
                    "client_password", "client_port_offset", "certfile", "keyfile", "cafile", "client_cafile",
                    "min_timeout",
                    "max_timeout", "connection_timeout", "append_entries_period", "connection_retry_time",
                    "leader_fallback_timeout"));

    private static final Set<String> BOOL_KEYS = Set.of("restapi.allowlist_include_members", "ctl.insecure",
            "log.deduplicate_heartbeat_logs", "raft.insecure");
    private static final Set<String> INT_KEYS = Set.of("restapi.request_queue_size", "restapi.thread_pool_size",
            "log.max_queue_size", "log.file_size", "log.file_num", "log.mode", "thread_pool_size",
            "thread_stack_size", "raft.client_port_offset");
    private static final Set<String> LIST_KEYS = Set.of("raft.partner_addrs", "restapi.allowlist");
    private static final Set<String> MAP_KEYS = Set.of("restapi.http_extra_headers", "restapi.https_extra_headers",
            "log.static_fields", "log.loggers");

    private static final List<String> AUTH_PARAMS = List.of("username", "password", "sslmode", "sslkey",
            "sslpassword", "sslcert", "sslrootcert", "sslcrl", "sslcrldir", "sslnegotiation", "gssencmode",
            "channel_binding");
    private static final List<String> BINARIES = List.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup",
            "postgres", "pg_isready", "pg_rewind");

    private static final Set<String> DCS_SUFFIXES = Set.of("HOST", "HOSTS", "PORT", "USE_PROXIES", "PROTOCOL", "SRV",
            "SRV_SUFFIX", "URL", "PROXY", "CACERT", "CERT", "KEY", "VERIFY", "TOKEN", "CHECKS", "DC", "CONSISTENCY",
            "REGISTER_SERVICE", "SERVICE_CHECK_INTERVAL", "SERVICE_CHECK_TLS_SERVER_NAME", "SERVICE_TAGS",
            "NAMESPACE", "CONTEXT", "USE_ENDPOINTS", "SCOPE_LABEL", "ROLE_LABEL", "POD_IP", "PORTS", "LABELS",
            "BYPASS_API_SERVICE", "RETRIABLE_HTTP_CODES", "KEY_PASSWORD", "USE_SSL", "SET_ACLS", "GROUP", "DATABASE",
            "LEADER_LABEL_VALUE", "FOLLOWER_LABEL_VALUE", "STANDBY_LEADER_LABEL_VALUE", "TMP_ROLE_LABEL",
            "AUTH_DATA", "BOOTSTRAP_LABELS");
    private static final Set<String> DCS_LIST = Set.of("HOSTS", "PORTS", "CHECKS", "SERVICE_TAGS",
            "RETRIABLE_HTTP_CODES");
    private static final Set<String> DCS_MAP = Set.of("LABELS", "SET_ACLS", "AUTH_DATA", "BOOTSTRAP_LABELS");
    private static final Set<String> DCS_BOOL = Set.of("USE_PROXIES", "REGISTER_SERVICE", "USE_ENDPOINTS",
            "BYPASS_API_SERVICE", "VERIFY");
    private static final Pattern LOG_FORMAT_PLACEHOLDER = Pattern.compile("%\\(\\w+\\)");

    private final Map<String, String> env;
    private final Set<String> used = new TreeSet<>();
    private final List<ConfigError> problems = new ArrayList<>();
    private ConfigValue tree = ConfigValue.emptyMap("environment");

    private EnvConfig(Map<String, String> env) {
        this.env = new TreeMap<>(env);
    }

    /** Reads every recognised {@code PATRONI_*} variable of {@code env}. */
    public static Result from(Map<String, String> env) {
        EnvConfig c = new EnvConfig(env);
        c.build();
        return new Result(c.tree, Set.copyOf(c.used), List.copyOf(c.problems));
    }

    private void build() {
        for (String top : List.of("name", "namespace", "scope", "thread_pool_size", "thread_stack_size")) {
            setTyped(top, P + top.toUpperCase());
        }
        legacyLog("level", "LOGLEVEL");
        legacyLog("format", "LOGFORMAT");
        legacyLog("dateformat", "LOG_DATEFMT");
        SECTION_KEYS.forEach((section, keys) -> keys.forEach(
                k -> setTyped(section + "." + k, P + section.toUpperCase() + "_" + k.toUpperCase())));
        for (String b : BINARIES) {
            setTyped("postgresql.bin_name." + b, P + "POSTGRESQL_BIN_" + b.toUpperCase());
        }
        for (String section : List.of("ctl", "restapi")) {
            for (String k : List.of("username", "password")) {
                setTyped(section + ".authentication." + k, P + section.toUpperCase() + "_" + k.toUpperCase());
            }
        }
        for (String user : List.of("replication", "superuser", "rewind")) {
            for (String k : AUTH_PARAMS) {
                setTyped("postgresql.authentication." + user + "." + k,
                        P + user.toUpperCase() + "_" + k.toUpperCase());
            }
        }
        dcsSections();
        for (String dcs : List.of("etcd", "etcd3")) {
            if (tree.get(dcs) != null) {
                setTyped(dcs + ".username", P + dcs.toUpperCase() + "_USERNAME");
                setTyped(dcs + ".password", P + dcs.toUpperCase() + "_PASSWORD");
            }
        }
    }

    /** Old log variable names apply only when the new one is unset. */
    private void legacyLog(String key, String oldName) {
        String newVar = P + "LOG_" + key.toUpperCase();
        String old = env.get(P + oldName);
        if (old != null) {
            used.add(P + oldName);
            if (!old.isEmpty() && (env.get(newVar) == null || env.get(newVar).isEmpty())) {
                put("log." + key, new ConfigValue(old, "env " + P + oldName));
            }
        }
    }

    private void dcsSections() {
        env.forEach((var, value) -> {
            if (!var.startsWith(P)) {
                return;
            }
            String rest = var.substring(P.length());
            int us = rest.indexOf('_');
            if (us <= 0) {
                return;
            }
            String name = rest.substring(0, us);
            String suffix = rest.substring(us + 1);
            if (!DCS_SUFFIXES.contains(suffix) || name.equals("CTL")) {
                return;
            }
            if (name.equals("CITUS") && !suffix.equals("GROUP") && !suffix.equals("DATABASE")) {
                return;
            }
            used.add(var);
            String path = name.toLowerCase() + "." + suffix.toLowerCase();
            String src = "env " + var;
            ConfigValue v;
            if (suffix.equals("PORT") || (name.equals("CITUS") && suffix.equals("GROUP"))) {
                v = integer(path, value, src);
            } else if (DCS_LIST.contains(suffix)) {
                v = yamlList(path, value, src);
            } else if (DCS_MAP.contains(suffix)) {
                v = yamlMap(path, value, src);
            } else if (DCS_BOOL.contains(suffix)) {
                v = bool(path, value, src);
            } else {
                v = new ConfigValue(value, src);
            }
            if (v != null) {
                put(path, v);
            }
        });
    }

    private void setTyped(String path, String var) {
        String value = env.get(var);
        if (value == null) {
            return;
        }
        used.add(var);
        if (value.isEmpty()) {
            return;
        }
        String src = "env " + var;
        ConfigValue v;
        if (BOOL_KEYS.contains(path)) {
            v = bool(path, value, src);
        } else if (INT_KEYS.contains(path)) {
            v = integer(path, value, src);
        } else if (LIST_KEYS.contains(path)) {
            v = yamlList(path, value, src);
        } else if (MAP_KEYS.contains(path)) {
            v = yamlMap(path, value, src);
        } else if (path.equals("log.format") && !LOG_FORMAT_PLACEHOLDER.matcher(value).find()) {
            v = yamlList(path, value, src);
        } else {
            v = new ConfigValue(value, src);
        }
        if (v != null) {
            put(path, v);
        }
    }

    private ConfigValue integer(String path, String value, String src) {
        // Patroni's parse_int reads like C's strtol with base 0: PATRONI_LOG_MODE=0640 is octal
        Long n = value.strip().matches("0[0-7]+") ? Long.valueOf(Long.parseLong(value.strip(), 8))
                : PatroniValues.parseInt(value);
        if (n == null) {
            problems.add(new ConfigError(path, src, "not an integer: '" + value + "'; variable ignored", true));
            return null;
        }
        return new ConfigValue(n, src);
    }

    private ConfigValue bool(String path, String value, String src) {
        Boolean b = PatroniValues.parseBool(value);
        if (b == null) {
            problems.add(new ConfigError(path, src, "not a boolean: '" + value + "'; variable ignored", true));
            return null;
        }
        return new ConfigValue(b, src);
    }

    /** Patroni's {@code _parse_list}: a bare comma string is wrapped in {@code []} and parsed as YAML. */
    private ConfigValue yamlList(String path, String value, String src) {
        String text = value.strip().startsWith("-") || value.contains("[") ? value : "[" + value + "]";
        return yaml(path, text, src, true);
    }

    /** Patroni's {@code _parse_dict}: wrapped in {@code {}} unless it already starts with one. */
    private ConfigValue yamlMap(String path, String value, String src) {
        String text = value.strip().startsWith("{") ? value : "{" + value + "}";
        return yaml(path, text, src, false);
    }

    private ConfigValue yaml(String path, String text, String src, boolean list) {
        try {
            ConfigValue v = YamlTreeReader.read(text, src, false);
            if (list ? v.isList() : v.isMap()) {
                return v;
            }
        } catch (YamlTreeReader.YamlSyntaxException e) {
            // reported below
        }
        problems.add(new ConfigError(path, src, "cannot parse '" + text + "' as a YAML " + (list ? "list" : "map")
                + "; variable ignored", true));
        return null;
    }

    private void put(String path, ConfigValue value) {
        String[] parts = path.split("\\.");
        Map<String, ConfigValue> nested = new LinkedHashMap<>();
        ConfigValue v = value;
        for (int i = parts.length - 1; i > 0; i--) {
            nested = new LinkedHashMap<>();
            nested.put(parts[i], v);
            v = ConfigValue.map(nested, value.source());
        }
        tree = tree.mergedWith(ConfigValue.map(Map.of(parts[0], v), "environment"));
    }
}
