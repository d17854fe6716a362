package dev.regent.core.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The keys Patroni 4.x knows in each local configuration section (spec §1.2–§1.10), for unknown-key warnings. */
final class ConfigSchema {
    private ConfigSchema() {}

    static final List<String> DCS_TYPES = List.of("etcd3", "etcd", "zookeeper", "consul", "kubernetes", "raft",
            "exhibitor");

    static final Set<String> TOP_LEVEL = Set.of("name", "scope", "namespace", "thread_pool_size",
            "thread_stack_size", "log", "restapi", "ctl", "bootstrap", "citus", "postgresql", "watchdog", "tags",
            "etcd3", "etcd", "zookeeper", "consul", "kubernetes", "raft", "exhibitor",
            // Regent's own settings (the decision ledger); Patroni ignores the section
            "regent",
            // dynamic keys that Patroni ignores locally (they only take effect from /config)
            "ttl", "loop_wait", "retry_timeout", "standby_cluster");

    static final Set<String> LOG = Set.of("type", "level", "traceback_level", "format", "dateformat",
            "static_fields", "max_queue_size", "dir", "file_num", "file_size", "mode", "loggers",
            "deduplicate_heartbeat_logs");

    static final Set<String> LOG_LEVELS = Set.of("debug", "info", "warn", "warning", "error", "fatal", "critical");

    static final Set<String> RESTAPI = Set.of("listen", "connect_address", "authentication", "certfile", "keyfile",
            "keyfile_password", "cafile", "ciphers", "verify_client", "allowlist", "allowlist_include_members",
            "http_extra_headers", "https_extra_headers", "request_queue_size", "thread_pool_size", "server_tokens");

    static final Set<String> CTL = Set.of("authentication", "insecure", "cacert", "certfile", "keyfile",
            "keyfile_password");

    static final Set<String> CREDENTIALS = Set.of("username", "password");

    static final Set<String> BOOTSTRAP = Set.of("dcs", "method", "initdb", "pg_hba", "post_bootstrap", "post_init",
            "users");

    static final Set<String> POSTGRESQL = Set.of("listen", "connect_address", "proxy_address", "data_dir",
            "config_dir", "config_base_name", "custom_conf", "bin_dir", "bin_name", "database", "pgpass",
            "authentication", "parameters", "parameters_primary", "parameters_replica", "parameters_standby_leader",
            "pg_hba", "pg_ident", "pg_hba_primary", "pg_hba_replica", "pg_hba_standby_leader", "pg_ident_primary",
            "pg_ident_replica", "pg_ident_standby_leader", "recovery_conf", "create_replica_methods",
            "create_replica_method", "basebackup",
            "use_pg_rewind", "rewind", "remove_data_directory_on_rewind_failure",
            "remove_data_directory_on_diverged_timelines", "pg_ctl_timeout", "use_unix_socket",
            "use_unix_socket_repl", "callbacks", "pre_promote", "before_stop", "krbsrvname", "use_slots",
            // legacy shapes
            "superuser", "replication", "pg_rewind", "name", "retry_timeout", "scope");

    static final Set<String> PG_USER = Set.of("username", "password", "sslmode", "sslkey", "sslpassword", "sslcert",
            "sslrootcert", "sslcrl", "sslcrldir", "sslnegotiation", "gssencmode", "channel_binding");

    static final Set<String> PG_USERS = Set.of("superuser", "replication", "rewind");

    static final Set<String> BIN_NAMES = Set.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup", "postgres",
            "pg_isready", "pg_rewind");

    static final Set<String> CALLBACKS = Set.of("on_start", "on_stop", "on_restart", "on_reload", "on_role_change");

    static final Set<String> WATCHDOG = Set.of("mode", "device", "safety_margin", "driver");

    static final Set<String> PREDEFINED_TAGS_BOOL = Set.of("nofailover", "clonefrom", "noloadbalance", "nosync",
            "nostream");

    static final Set<String> INITDB_FORBIDDEN = Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");

    static final Set<String> BASEBACKUP_FORBIDDEN = Set.of("pgdata", "format", "wal-method", "xlog-method", "gzip",
            "version", "dbname", "host", "port", "username", "password");

    static final Set<String> REWIND_FORBIDDEN = Set.of("target-pgdata", "source-pgdata", "source-server",
            "write-recovery-conf", "dry-run", "restore-target-wal", "config-file", "no-ensure-shutdown", "version",
            "help");

    /** Known keys of each DCS section (§1.7). */
    static final Map<String, Set<String>> DCS_KEYS = Map.of(
            "etcd", Set.of("host", "hosts", "url", "proxy", "srv", "srv_suffix", "use_proxies", "protocol",
                    "username", "password", "cacert", "cert", "key", "retry_timeout", "ttl", "loop_wait"),
            "etcd3", Set.of("host", "hosts", "url", "proxy", "srv", "srv_suffix", "use_proxies", "protocol",
                    "username", "password", "cacert", "cert", "key", "key_password", "retry_timeout", "ttl",
                    "loop_wait"),
            "consul", Set.of("host", "url", "port", "scheme", "token", "verify", "cacert", "cert", "key", "dc",
                    "consistency", "checks", "register_service", "service_tags", "service_check_interval",
                    "service_check_tls_server_name"),
            "zookeeper", Set.of("hosts", "use_ssl", "cacert", "cert", "key", "key_password", "verify", "set_acls",
                    "auth_data", "exhibitor"),
            "exhibitor", Set.of("hosts", "port", "poll_interval"),
            "kubernetes", Set.of("namespace", "labels", "scope_label", "role_label", "leader_label_value",
                    "follower_label_value", "standby_leader_label_value", "tmp_role_label", "bootstrap_labels",
                    "use_endpoints", "pod_ip", "ports", "bypass_api_service", "cacert", "retriable_http_codes",
                    "context"),
            "raft", Set.of("self_addr", "bind_addr", "partner_addrs", "data_dir", "password", "insecure",
                    "client_password", "client_port_offset", "certfile", "keyfile", "cafile", "client_cafile",
                    "min_timeout",
                    "max_timeout", "connection_timeout", "append_entries_period", "connection_retry_time",
                    "leader_fallback_timeout"));
}
