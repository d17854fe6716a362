package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.list;
import static dev.regent.core.config.TestTrees.map;
import static dev.regent.core.config.TestTrees.section;
import static dev.regent.core.config.TestTrees.valid;
import static dev.regent.core.config.TestTrees.validate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.UnsupportedSettings.Finding;
import dev.regent.core.config.UnsupportedSettings.Scope;
import dev.regent.core.config.UnsupportedSettings.Setting;
import dev.regent.core.config.UnsupportedSettings.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The table of unsupported settings, as the validator and the dynamic-configuration checks apply it. */
class UnsupportedSettingsTest {

    /** A value that enables {@code s}: every row must have one here, so a new row cannot go untested. */
    private static Object enablingValue(Setting s) {
        return switch (s.path()) {
            case "synchronous_mode" -> "on";
            case "synchronous_mode_strict", "tags.nosync",
                    "zookeeper.use_ssl" -> true;
            case "zookeeper.verify" -> false;
            case "synchronous_node_count" -> 2L;
            case "maximum_lag_on_syncnode", "max_timelines_history", "primary_race_backoff" -> 10L;
            case "postgresql.create_replica_methods", "postgresql.create_replica_method" -> list("pgbackrest");
            case "thread_pool_size" -> 10L;
            case "thread_stack_size" -> 1_048_576L;
            case "etcd", "zookeeper", "consul" -> map("hosts", list("10.0.0.5:2379"));
            case "exhibitor" -> map("hosts", list("ex1"), "port", 8181L);
            case "kubernetes" -> map("labels", map("app", "pg"));
            case "citus" -> map("group", 0L, "database", "citus");
            case "postgresql.parameters_primary", "postgresql.parameters_replica",
                    "postgresql.parameters_standby_leader" -> map("work_mem", "8MB");
            case "postgresql.pg_hba_primary", "postgresql.pg_hba_replica", "postgresql.pg_hba_standby_leader",
                    "postgresql.pg_ident_primary", "postgresql.pg_ident_replica",
                    "postgresql.pg_ident_standby_leader" -> list("local all all trust");
            case "tags.sync_priority" -> 2L;
            case "raft.min_timeout", "raft.max_timeout", "raft.connection_timeout", "raft.append_entries_period",
                    "raft.connection_retry_time", "raft.leader_fallback_timeout" -> 2.5;
            default -> {
                // keys whose mere presence enables them: TLS files, strings
                if (s.condition().equals("set")) yield "/etc/regent/some-value";
                throw new AssertionError("no enabling value for " + s.path() + " (" + s.condition() + ")");
            }
        };
    }

    /** Puts {@code value} at a dotted path, creating intermediate mappings. */
    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> tree, String dottedPath, Object value) {
        String[] parts = dottedPath.split("\\.");
        Map<String, Object> cur = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            cur = (Map<String, Object>) cur.computeIfAbsent(parts[i], k -> map());
        }
        cur.put(parts[parts.length - 1], value);
    }

    private static Map<String, Object> withSetting(Setting s) {
        Map<String, Object> t = valid();
        if (s.scope() == Scope.DYNAMIC) {
            put(section(section(t, "bootstrap"), "dcs"), s.path(), enablingValue(s));
        } else {
            put(t, s.path(), enablingValue(s));
        }
        return t;
    }

    private static String expectedPath(Setting s) {
        return s.scope() == Scope.DYNAMIC ? "bootstrap.dcs." + s.path() : s.path();
    }

    @Test
    void everyErrorRowRefusesTheConfigurationWithItsReason() {
        List<Setting> errors = UnsupportedSettings.ALL.stream().filter(s -> s.severity() == Severity.ERROR).toList();
        assertThat(errors).extracting(Setting::path).contains("citus")
                .doesNotContain("standby_cluster.host", "restapi.certfile", "restapi.verify_client", "ctl.certfile");
        for (Setting s : errors) {
            ValidationResult r = validate(withSetting(s));
            assertThat(r.config()).as(s.path()).isNull();
            assertThat(r.errors()).as(s.path()).anySatisfy(e -> {
                assertThat(e.path()).isEqualTo(expectedPath(s));
                assertThat(e.message()).startsWith("not supported by Regent yet: " + s.reason());
                assertThat(e.source()).isEqualTo("t.yml");
            });
        }
    }

    @Test
    void everyWarningRowIsReportedAndIgnored() {
        for (Setting s : UnsupportedSettings.ALL.stream().filter(x -> x.severity() == Severity.WARNING).toList()) {
            ValidationResult r = validate(withSetting(s));
            assertThat(r.warnings()).as(s.path()).anySatisfy(e -> {
                assertThat(e.path()).isEqualTo(expectedPath(s));
                assertThat(e.message()).startsWith("not supported by Regent yet, ignored: " + s.reason());
            });
            assertThat(r.errors()).as(s.path()).noneMatch(e -> e.message().contains("not supported by Regent"));
        }
    }

    @Test
    void warningsAloneKeepTheConfigurationValid() {
        Map<String, Object> t = valid();
        t.put("log", map("level", "DEBUG", "dir", "/var/log/patroni"));  // implemented: no warning
        t.put("watchdog", map("mode", "automatic"));
        section(section(section(t, "postgresql"), "authentication"), "replication").putAll(map("sslcrl",
                "/etc/crl.pem", "sslrootcert", "/etc/ca.pem", "sslmode", "verify-full"));
        section(t, "postgresql").putAll(map("custom_conf", "/etc/regent/custom.conf", "krbsrvname", "postgres",
                "proxy_address", "10.0.0.1:6432", "config_base_name", "patroni", "rewind", list("debug")));
        section(section(t, "bootstrap"), "dcs").put("max_timelines_history", 5L);
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config()).isNotNull();
        assertThat(r.warnings()).extracting(ConfigError::path).contains("bootstrap.dcs.max_timelines_history")
                .as("the watchdog, the log section and the REST API's headers are implemented")
                .doesNotContain("watchdog.mode", "log.level", "log.dir", "restapi.http_extra_headers")
                .as("the connection and file settings of postgresql are implemented")
                .doesNotContain("postgresql.custom_conf", "postgresql.krbsrvname", "postgresql.proxy_address",
                        "postgresql.config_base_name", "postgresql.rewind",
                        "postgresql.authentication.replication.sslcrl");
    }

    @Test
    void valuesThatDoNotEnableAKeyAreNotReported() {
        Map<String, Object> t = valid();
        section(t, "bootstrap").put("method", "initdb");
        section(section(t, "bootstrap"), "dcs").putAll(map("synchronous_mode", false, "synchronous_mode_strict",
                "off", "failsafe_mode", false, "standby_cluster", map("primary_slot_name", "x"),
                "ignore_slots", list(map("name", "cdc", "type", "logical")), "slots",
                map("backup", map("type", "physical")), "synchronous_node_count", 1L, "primary_stop_timeout", 0L));
        section(t, "postgresql").put("create_replica_methods", list("basebackup"));
        section(t, "restapi").putAll(map("verify_client", "none", "server_tokens", "original", "certfile", ""));
        t.put("watchdog", map("mode", "off"));
        t.put("tags", map("nosync", false));
        ValidationResult r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config()).isNotNull();
    }

    @Test
    void synchronousReplicationIsSupported() {
        for (Object mode : List.of("on", "quorum", true, "off")) {
            assertThat(UnsupportedSettings.findDynamic(map("synchronous_mode", mode, "synchronous_mode_strict", true,
                    "synchronous_node_count", 2L, "maximum_lag_on_syncnode", 100L))).as(String.valueOf(mode)).isEmpty();
        }
    }

    @Test
    void theWatchdogIsSupported() {
        for (String mode : List.of("required", "require", "automatic", "auto", "off")) {
            assertThat(UnsupportedSettings.findInLocalConfiguration(ConfigValue.fromPlain(map("watchdog",
                    map("mode", mode, "device", "/dev/watchdog1", "safety_margin", -1L)), "t.yml"))).as(mode).isEmpty();
        }
    }

    @Test
    void failsafeModeIsSupported() {
        assertThat(UnsupportedSettings.findDynamic(map("failsafe_mode", true))).isEmpty();
        assertThat(UnsupportedSettings.ALL).extracting(Setting::path).doesNotContain("failsafe_mode");
    }

    @Test
    void primaryStopTimeoutIsSupported() {
        assertThat(UnsupportedSettings.findDynamic(map("synchronous_mode", "on", "primary_stop_timeout", 30L)))
                .isEmpty();
        assertThat(UnsupportedSettings.findDynamic(map("master_stop_timeout", 30L))).isEmpty();
        assertThat(UnsupportedSettings.ALL).extracting(Setting::path)
                .doesNotContain("primary_stop_timeout", "master_stop_timeout");
    }

    @Test
    void allErrorsOfATreeMakeOneMessage() {
        Map<String, Object> t = valid();
        section(section(t, "bootstrap"), "dcs").put("standby_cluster", map("host", "10.0.0.9,10.0.0.10"));
        t.put("citus", map("group", 0L, "database", "citus"));
        section(t, "restapi").put("certfile", "/etc/ssl/api.pem");
        t.put("log", map("level", "DEBUG"));
        t.put("x", map("keyfile_password", "s3cret"));
        // citus is the one local ERROR row left: a row of the test's own makes a second one, with a secret
        List<Setting> table = new ArrayList<>(UnsupportedSettings.ALL);
        table.add(new Setting("x.keyfile_password", Scope.LOCAL, Severity.ERROR, "set", "not implemented",
                v -> true));
        List<Finding> found = UnsupportedSettings.findInLocalConfiguration(table, ConfigValue.fromPlain(t, "n.yml:3"));
        String message = UnsupportedSettings.refusal(found);
        assertThat(message).startsWith("2 settings Regent does not support yet: ")
                .contains("citus: {group, database} (n.yml:3): Citus clusters are not implemented")
                .contains("x.keyfile_password: ****** (n.yml:3)")
                .doesNotContain("s3cret").doesNotContain("log.level").doesNotContain("standby_cluster")
                .doesNotContain("restapi.certfile");
        assertThat(UnsupportedSettings.refusal(List.of())).isNull();
    }

    /**
     * A dynamic ERROR row of a table of the test's own: {@link UnsupportedSettings#ALL} has none left since
     * standby_cluster.host with several hosts was implemented, but the refusal of such rows must keep working.
     */
    private static final Setting SYNTHETIC_DYNAMIC_ERROR = new Setting("standby_cluster.synthetic_flag",
            Scope.DYNAMIC, Severity.ERROR, "true", "a synthetic dynamic row of this test",
            UnsupportedSettings::isTrue);

    private static List<Setting> tableWithSyntheticDynamicError() {
        List<Setting> table = new ArrayList<>(UnsupportedSettings.ALL);
        table.add(0, SYNTHETIC_DYNAMIC_ERROR);
        return table;
    }

    @Test
    void aPasswordIsNeverShownInAFinding() {
        Setting row = new Setting("x.keyfile_password", Scope.LOCAL, Severity.ERROR, "set", "not implemented",
                v -> true);
        Finding f = new Finding(row, "x.keyfile_password", ConfigValue.fromPlain("s3cret", "n.yml:3"));
        assertThat(f.keyAndValue()).isEqualTo("x.keyfile_password: ******");
        assertThat(UnsupportedSettings.refusal(List.of(f))).doesNotContain("s3cret");
    }

    @Test
    void restApiAndCtlSecurityKeysAreSupported() {
        Map<String, Object> t = valid();
        section(t, "restapi").putAll(map("certfile", "/etc/ssl/api.pem", "keyfile", "/etc/ssl/api.key",
                "keyfile_password", "x", "cafile", "/etc/ssl/ca.pem", "ciphers", "ECDHE-RSA-AES256-GCM-SHA384",
                "verify_client", "required", "allowlist", list("10.0.0.0/8"), "allowlist_include_members", true,
                "http_extra_headers", map("X-Frame-Options", "DENY"), "https_extra_headers",
                map("Strict-Transport-Security", "max-age=31536000"), "server_tokens", "minimal",
                "request_queue_size", 10L, "thread_pool_size", 10L));
        t.put("ctl", map("insecure", false, "cacert", "/etc/ssl/ca.pem", "certfile", "/etc/ssl/c.pem", "keyfile",
                "/etc/ssl/c.key", "keyfile_password", "y"));
        assertThat(UnsupportedSettings.findInLocalConfiguration(ConfigValue.fromPlain(t, "t.yml"))).isEmpty();
    }

    @Test
    void dynamicConfigFromTheDcsIsCheckedWithTheSameTable() {
        Map<String, Object> config = map("ttl", 30L, "standby_cluster", map("host", "10.0.0.9,10.0.0.10",
                "synthetic_flag", true), "postgresql", map("parameters_primary", map("work_mem", "1GB")),
                "max_timelines_history", 3L);
        List<Finding> found = UnsupportedSettings.findDynamic(tableWithSyntheticDynamicError(), config);
        assertThat(found).extracting(Finding::path).containsExactly("standby_cluster.synthetic_flag",
                "max_timelines_history", "postgresql.parameters_primary");
        assertThat(UnsupportedSettings.errors(found)).extracting(Finding::path)
                .containsExactly("standby_cluster.synthetic_flag");
        assertThat(found.get(0).value().source()).isEqualTo("/config");
        assertThat(UnsupportedSettings.refusal(found)).isEqualTo("a setting Regent does not support yet: "
                + "standby_cluster.synthetic_flag: true: a synthetic dynamic row of this test");
        // production's table: the same /config has warnings only
        assertThat(UnsupportedSettings.errors(UnsupportedSettings.findDynamic(config))).isEmpty();
        assertThat(UnsupportedSettings.findDynamic(config)).extracting(Finding::path)
                .containsExactly("max_timelines_history", "postgresql.parameters_primary");
    }

    @Test
    void aDynamicErrorInBootstrapDcsRefusesTheLocalConfigurationInTheSameMessage() {
        Map<String, Object> t = valid();
        section(section(t, "bootstrap"), "dcs").put("standby_cluster", map("synthetic_flag", "on"));
        t.put("citus", map("group", 0L));
        List<Finding> found = UnsupportedSettings.findInLocalConfiguration(tableWithSyntheticDynamicError(),
                ConfigValue.fromPlain(t, "n.yml:7"));
        assertThat(UnsupportedSettings.errors(found)).extracting(Finding::path)
                .containsExactly("citus", "bootstrap.dcs.standby_cluster.synthetic_flag");
        assertThat(UnsupportedSettings.refusal(found)).startsWith("2 settings Regent does not support yet: ")
                .contains("bootstrap.dcs.standby_cluster.synthetic_flag: on (n.yml:7): a synthetic dynamic row");
        assertThat(UnsupportedSettings.findLocal(List.of(SYNTHETIC_DYNAMIC_ERROR), ConfigValue.fromPlain(t, "n.yml")))
                .as("a dynamic row is not looked up in the local tree").isEmpty();
    }

    @Test
    void aStandbyClusterWithSeveralHostsIsSupported() {
        assertThat(UnsupportedSettings.ALL).extracting(Setting::path).doesNotContain("standby_cluster.host");
        assertThat(UnsupportedSettings.findDynamic(map("standby_cluster", map("host", "10.0.0.9, 10.0.0.10",
                "port", 5433L, "primary_slot_name", "standby")))).isEmpty();
        Map<String, Object> t = valid();
        section(section(t, "bootstrap"), "dcs").put("standby_cluster", map("host", "h1,h2"));
        assertThat(validate(t).problems()).isEmpty();
    }

    @Test
    void localOnlyKeysAreNotLookedUpInTheDynamicConfigurationAndViceVersa() {
        assertThat(UnsupportedSettings.findDynamic(map("restapi", map("certfile", "/x"), "citus", map("group", 1L))))
                .isEmpty();
        assertThat(UnsupportedSettings.findLocal(ConfigValue.fromPlain(map("permanent_slots", map("x", map())),
                "t.yml")))
                .isEmpty();
    }

    @Test
    void bootstrapUsersIsLoggedAsAnErrorAndIgnoredLikePatroni4() {
        Map<String, Object> t = valid();
        section(t, "bootstrap").put("users", map("admin", map("password", "x", "options", list("createdb"))));
        ValidationResult r = validate(t);
        assertThat(r.hasErrors()).isFalse();
        assertThat(r.config()).isNotNull();
        assertThat(r.warnings()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("bootstrap.users");
            assertThat(e.ignoredError()).isTrue();
            assertThat(e.message()).contains("removed in Patroni 4.0 and is ignored");
            assertThat(e.toString()).startsWith("error (ignored): bootstrap.users (t.yml): ");
        });
    }

    @Test
    void everyRowHasAPathAConditionAndAReason() {
        List<String> seen = new ArrayList<>();
        for (Setting s : UnsupportedSettings.ALL) {
            assertThat(s.path()).isNotBlank().doesNotContain(" ");
            assertThat(s.condition()).isNotBlank();
            assertThat(s.reason()).isNotBlank().doesNotContain("|");
            String id = s.path() + "/" + s.severity();
            assertThat(seen).as("duplicate row " + id).doesNotContain(id);
            seen.add(id);
        }
    }
}
