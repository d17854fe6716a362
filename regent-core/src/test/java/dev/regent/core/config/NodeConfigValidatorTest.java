package dev.regent.core.config;

import static dev.regent.core.config.TestTrees.list;
import static dev.regent.core.config.TestTrees.map;
import static dev.regent.core.config.TestTrees.section;
import static dev.regent.core.config.TestTrees.valid;
import static dev.regent.core.config.TestTrees.validate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.Tags;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigValidatorTest {

    private static List<String> errorPaths(ValidationResult r) {
        return r.errors().stream().map(ConfigError::path).toList();
    }

    private static List<String> warningPaths(ValidationResult r) {
        return r.warnings().stream().map(ConfigError::path).toList();
    }

    @Test
    void validConfigBuildsTypedViewWithDefaults() {
        ValidationResult r = validate(valid());
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config();
        assertThat(c.name()).isEqualTo("pg0");
        assertThat(c.namespace()).isEqualTo("/service");
        assertThat(c.dcs().type()).isEqualTo("etcd3");
        assertThat(c.restapi().listen()).isEqualTo("0.0.0.0:8008");
        assertThat(c.postgresql().configDir()).isEqualTo("/data/pg0");
        assertThat(c.postgresql().database()).isEqualTo("postgres");
        assertThat(c.postgresql().pgCtlTimeoutSeconds()).isEqualTo(60);
        assertThat(c.postgresql().createReplicaMethods()).containsExactly("basebackup");
        assertThat(c.postgresql().replication().username()).isEqualTo("repl");
        assertThat(c.postgresql().replication().options()).containsEntry("sslmode", "require");
        assertThat(c.postgresql().rewind()).isNull();
        assertThat(c.log().level()).isEqualTo("INFO");
        assertThat(c.bootstrap().dcs()).containsEntry("ttl", 30L);
        assertThat(c.ctl().isSet()).isFalse();
    }

    @Test
    void regentDecisionsKeepsFiveHundredNextToTheDataDirectoryUnlessConfigured() {
        assertThat(validate(valid()).config().decisions()).isEqualTo(new NodeConfig.DecisionsConfig(500, null));
        Map<String, Object> t = valid();
        t.put("regent", map("decisions", map("keep", 20, "dir", "/var/lib/regent", "kep", 3)));
        ValidationResult r = validate(t);
        assertThat(r.config().decisions()).isEqualTo(new NodeConfig.DecisionsConfig(20, "/var/lib/regent"));
        assertThat(warningPaths(r)).contains("regent.decisions.kep");
        t.put("regent", map("decisions", map("keep", 0, "dir", "")));
        ValidationResult bad = validate(t);
        assertThat(errorPaths(bad)).contains("regent.decisions.keep", "regent.decisions.dir");
        assertThat(bad.errors()).anyMatch(e -> e.message().equals("must be between 1 and 100000, got 0"));
        t.put("regent", map("decisions", "many"));
        assertThat(errorPaths(validate(t))).contains("regent.decisions");
    }

    @Test
    void regentDashboardIsOnUnlessSwitchedOff() {
        assertThat(validate(valid()).config().dashboard().enabled()).isTrue();
        Map<String, Object> t = valid();
        t.put("regent", map("dashboard", map("enabled", false, "colour", "blue")));
        ValidationResult r = validate(t);
        assertThat(r.config().dashboard().enabled()).isFalse();
        assertThat(warningPaths(r)).contains("regent.dashboard.colour");
        t.put("regent", map("dashboard", map("enabled", "maybe")));
        ValidationResult bad = validate(t);
        assertThat(errorPaths(bad)).containsExactly("regent.dashboard.enabled");
        assertThat(bad.errors().get(0).message()).contains("must be a boolean");
        t.put("regent", "on");
        assertThat(errorPaths(validate(t))).containsExactly("regent");
    }

    @Test
    void everyMissingRequiredKeyIsReportedAtOnce() {
        ValidationResult r = validate(map("postgresql", map("listen", "127.0.0.1:5432")));
        assertThat(r.config()).isNull();
        assertThat(errorPaths(r)).contains("name", "scope", "restapi", "postgresql.connect_address",
                "postgresql.data_dir", "postgresql.authentication.superuser.username",
                "postgresql.authentication.replication.username", "");
        assertThat(r.errors()).anyMatch(e -> e.message().contains("no DCS section"));
    }

    @Test
    void moreThanOneDcsSectionIsAnError() {
        Map<String, Object> t = valid();
        t.put("zookeeper", map("hosts", list("zk1:2181")));
        ValidationResult r = validate(t);
        assertThat(r.errors()).filteredOn(e -> e.message().contains("more than one DCS section"))
                .extracting(ConfigError::path).containsExactlyInAnyOrder("etcd3", "zookeeper");
        assertThat(r.errors()).filteredOn(e -> !e.message().contains("more than one DCS section")).isEmpty();
    }

    @Test
    void wrongTypesNameThePathAndSource() {
        Map<String, Object> t = valid();
        section(t, "postgresql").put("pg_ctl_timeout", "soon");
        section(t, "restapi").put("listen", "0.0.0.0");
        section(t, "restapi").put("connect_address", "host:70000");
        section(t, "postgresql").put("use_pg_rewind", "maybe");
        section(t, "postgresql").put("pg_hba", "host all all trust");
        ValidationResult r = validate(t);
        assertThat(errorPaths(r)).containsExactlyInAnyOrder("postgresql.pg_ctl_timeout", "restapi.listen",
                "restapi.connect_address", "postgresql.use_pg_rewind", "postgresql.pg_hba");
        assertThat(r.errors()).allMatch(e -> "t.yml".equals(e.source()));
        assertThat(r.errors().toString()).contains("out of range 1..65535").contains("must be an integer")
                .contains("no port");
    }

    @Test
    void raftPasswordIsAStringOrAListAndNeverEmpty() {
        for (Object good : List.of("secret", list("new-secret", "old-secret"))) {
            Map<String, Object> t = valid();
            t.remove("etcd3");
            t.put("raft", map("self_addr", "127.0.0.1:2222", "data_dir", "/r", "password", good, "insecure", false));
            assertThat(validate(t).errors()).as(good.toString()).isEmpty();
        }
        Map<String, Object> nullPassword = new java.util.HashMap<>(map("self_addr", "127.0.0.1:2222"));
        nullPassword.put("password", null);
        for (Map<String, Object> raft : List.of(map("self_addr", "127.0.0.1:2222", "password", ""), nullPassword,
                map("self_addr", "127.0.0.1:2222", "password", list()),
                map("self_addr", "127.0.0.1:2222", "password", map("a", "b")),
                map("self_addr", "127.0.0.1:2222", "insecure", "maybe"))) {
            Map<String, Object> t = valid();
            t.remove("etcd3");
            t.put("raft", raft);
            ValidationResult r = validate(t);
            assertThat(errorPaths(r)).as(raft.toString()).containsAnyOf("raft.password", "raft.insecure");
        }
    }

    @Test
    void raftClientPasswordAndPortOffsetAreRegentKeysCheckedLikeThePassword() {
        Map<String, Object> t = valid();
        t.remove("etcd3");
        t.put("raft", map("self_addr", "127.0.0.1:2222", "data_dir", "/r", "password", "peer-secret",
                "client_password", list("new-client-secret", "old-client-secret"), "client_port_offset", 100));
        ValidationResult ok = validate(t);
        assertThat(ok.errors()).isEmpty();
        assertThat(ok.warnings().toString()).doesNotContain("client_password").doesNotContain("client_port_offset");
        t.put("raft", map("self_addr", "127.0.0.1:2222", "data_dir", "/r", "certfile", "/p.pem", "keyfile", "/p.key",
                "cafile", "/ca.pem", "client_cafile", "/client-ca.pem"));
        ValidationResult certs = validate(t);  // certificate mode (the store checks the files and the exclusions)
        assertThat(certs.errors()).isEmpty();
        assertThat(certs.warnings().toString()).doesNotContain("certfile").doesNotContain("cafile");
        for (Map<String, Object> raft : List.of(map("self_addr", "127.0.0.1:2222", "client_password", ""),
                map("self_addr", "127.0.0.1:2222", "client_password", list()),
                map("self_addr", "127.0.0.1:2222", "client_password", map("a", "b")),
                map("self_addr", "127.0.0.1:2222", "client_port_offset", 0),
                map("self_addr", "127.0.0.1:2222", "client_port_offset", "many"),
                map("self_addr", "127.0.0.1:2222", "client_cafile", list("a", "b")))) {
            t.put("raft", raft);
            assertThat(errorPaths(validate(t))).as(raft.toString())
                    .containsAnyOf("raft.client_password", "raft.client_port_offset", "raft.client_cafile");
        }
    }

    @Test
    void patroniBooleanStringFormsAreAccepted() {
        Map<String, Object> t = valid();
        section(t, "postgresql").put("use_pg_rewind", "on");
        section(t, "postgresql").put("remove_data_directory_on_rewind_failure", "yes");
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().postgresql().usePgRewind()).isTrue();
        assertThat(r.config().postgresql().removeDataDirectoryOnRewindFailure()).isTrue();
    }

    @Test
    void tagsRules() {
        Map<String, Object> t = valid();
        t.put("tags", map("failover_priority", -1L));
        assertThat(validate(t).errors().get(0).message()).contains("between 0");
        t.put("tags", map("nosync", "true", "sync_priority", 2L));
        ValidationResult conflicting = validate(t);
        assertThat(conflicting.errors()).isEmpty();
        assertThat(conflicting.warnings()).extracting(ConfigError::message).contains("Conflicting configuration "
                + "between nosync: True and sync_priority: 2. Defaulting to nosync: True");
        t.put("tags", map("nosync", false, "sync_priority", 0L));
        assertThat(validate(t).warnings()).extracting(ConfigError::message).contains("Conflicting configuration "
                + "between nosync: False and sync_priority: 0. Defaulting to nosync: False");
        t.put("tags", map("nosync", true, "sync_priority", 0L));
        assertThat(validate(t).warnings()).extracting(ConfigError::message)
                .noneMatch(m -> m.startsWith("Conflicting"));
        t.put("tags", map("nofailover", "on", "dc", "east"));
        ValidationResult ok = validate(t);
        assertThat(ok.errors()).isEmpty();
        assertThat(ok.config().tags()).containsEntry("dc", "east");
    }

    @Test
    void nofailoverTrueWithAPositivePriorityWarnsLikePatroniAndNofailoverWins() {
        Map<String, Object> t = valid();
        t.put("tags", map("nofailover", true, "failover_priority", 1L, "custom", "x"));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("tags.nofailover");
            assertThat(w.message()).isEqualTo("Conflicting configuration between nofailover: True and "
                    + "failover_priority: 1. Defaulting to nofailover: True");
        });
        // both tags stay as configured (the member key shows them); nofailover decides
        assertThat(r.config().tags()).containsEntry("nofailover", true).containsEntry("failover_priority", 1L);
        assertThat(Tags.noFailover(r.config().tags())).isTrue();
        assertThat(Tags.failoverPriority(r.config().tags())).isZero();
    }

    @Test
    void nofailoverFalseWithPriorityZeroWarnsLikePatroniAndNofailoverWins() {
        Map<String, Object> t = valid();
        t.put("tags", map("nofailover", false, "failover_priority", 0L));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).extracting(ConfigError::message).containsExactly("Conflicting configuration "
                + "between nofailover: False and failover_priority: 0. Defaulting to nofailover: False");
        assertThat(r.config().tags()).containsEntry("nofailover", false).containsEntry("failover_priority", 0L);
        assertThat(Tags.noFailover(r.config().tags())).isFalse();
    }

    @Test
    void agreeingNofailoverAndPriorityDoNotWarn() {
        Map<String, Object> t = valid();
        t.put("tags", map("nofailover", true, "failover_priority", 0L));
        assertThat(validate(t).problems()).isEmpty();
        t.put("tags", map("nofailover", false, "failover_priority", 2L));
        ValidationResult r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(Tags.noFailover(r.config().tags())).isFalse();
        assertThat(Tags.failoverPriority(r.config().tags())).isEqualTo(2);
        t.put("tags", map("failover_priority", 0L));
        assertThat(Tags.noFailover(validate(t).config().tags())).isTrue();
    }

    @Test
    void forbiddenInitdbAndBasebackupOptions() {
        Map<String, Object> t = valid();
        section(t, "bootstrap").put("initdb", list(map("encoding", "UTF8"), "data-checksums", "nosync",
                map("pgdata", "/x")));
        section(t, "postgresql").put("basebackup", map("max-rate", "100M", "wal-method", "fetch"));
        ValidationResult r = validate(t);
        assertThat(errorPaths(r)).containsExactlyInAnyOrder("bootstrap.initdb[2]", "bootstrap.initdb[3]",
                "postgresql.basebackup.wal-method");
        t = valid();
        section(t, "bootstrap").put("initdb", list(map("encoding", "UTF8"), "data-checksums"));
        section(t, "postgresql").put("basebackup", list(map("max-rate", "100M"), "checkpoint=fast"));
        r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().bootstrap().initdb()).containsExactly("--encoding=UTF8", "--data-checksums");
        assertThat(r.config().postgresql().basebackup()).containsExactly("--max-rate=100M", "--checkpoint=fast");
    }

    @Test
    void protectedLocalParametersAreDroppedWithWarning() {
        Map<String, Object> t = valid();
        section(t, "postgresql").put("parameters", map("max_connections", 500L, "work_mem", "8MB", "port", 6000L));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(warningPaths(r)).contains("postgresql.parameters.max_connections", "postgresql.parameters.port");
        assertThat(r.config().postgresql().parameters()).containsOnlyKeys("work_mem");
    }

    @Test
    void unknownKeysAreWarningsNamingThePath() {
        Map<String, Object> t = valid();
        t.put("colour", "blue");
        section(t, "restapi").put("lisen", "x");
        section(t, "postgresql").put("data_directory", "/x");
        section(t, "etcd3").put("hostz", "x");
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config()).isNotNull();
        assertThat(warningPaths(r)).contains("colour", "restapi.lisen", "postgresql.data_directory", "etcd3.hostz");
    }

    @Test
    void customReplicaMethodsAreReadWithTheirSections() {
        Map<String, Object> t = valid();
        section(t, "postgresql").put("create_replica_methods", list("wal_g", "basebackup"));
        section(t, "postgresql").put("wal_g", map("command", "wal-g backup-fetch", "no_leader", true));
        ValidationResult r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().postgresql().createReplicaMethods()).containsExactly("wal_g", "basebackup");
        assertThat(r.config().postgresql().replicaMethodSections().get("wal_g"))
                .containsEntry("command", "wal-g backup-fetch").containsEntry("no_leader", true);
        section(t, "postgresql").remove("wal_g");
        r = validate(t);
        assertThat(errorPaths(r)).containsExactly("postgresql.create_replica_methods");
        assertThat(r.errors().get(0).message()).contains("has no postgresql.wal_g section");
        section(t, "postgresql").put("wal_g", map("no_leader", true));
        assertThat(errorPaths(validate(t))).containsExactly("postgresql.wal_g.command");
    }

    @Test
    void theStandbyClustersReplicaMethodsAreReadWithTheirSections() {
        Map<String, Object> t = valid();
        section(section(t, "bootstrap"), "dcs").put("standby_cluster", map("host", "10.0.0.9",
                "create_replica_methods", list("pgbackrest", "backup_restore", "basebackup")));
        section(t, "postgresql").put("pgbackrest", map("command", "pgbackrest restore", "no_params", true));
        ValidationResult r = validate(t);
        assertThat(r.problems()).as("no unknown-key warning, and a method without a section runs by its name")
                .isEmpty();
        assertThat(r.config().postgresql().createReplicaMethods()).containsExactly("basebackup");
        assertThat(r.config().postgresql().replicaMethodSections()).containsOnlyKeys("pgbackrest");
    }

    @Test
    void legacySingularCreateReplicaMethodAsDebianWritesIt() {
        Map<String, Object> t = valid();
        section(t, "postgresql").put("create_replica_method", list("pg_clonecluster"));
        section(t, "postgresql").put("pg_clonecluster", map("command", "/usr/share/patroni/pg_clonecluster_patroni"));
        ValidationResult r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().postgresql().createReplicaMethods()).containsExactly("pg_clonecluster");
        assertThat(r.config().postgresql().replicaMethodSections()).containsKey("pg_clonecluster");
        section(t, "postgresql").remove("pg_clonecluster");
        assertThat(errorPaths(validate(t))).containsExactly("postgresql.create_replica_method");
    }

    @Test
    void customBootstrapMethodIsReadWithItsSection() {
        Map<String, Object> t = valid();
        section(t, "bootstrap").put("method", "pg_createcluster");
        section(t, "bootstrap").put("pg_createcluster", map("command", "/usr/share/patroni/pg_createcluster_patroni",
                "recovery_conf", map("restore_command", "cp /a/%f %p")));
        ValidationResult r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().bootstrap().custom()).isTrue();
        assertThat(r.config().bootstrap().method()).isEqualTo("pg_createcluster");
        assertThat(r.config().bootstrap().methodSection()).containsKey("recovery_conf");
        section(section(t, "bootstrap"), "pg_createcluster").put("recovery_conf", "cp");
        assertThat(errorPaths(validate(t))).containsExactly("bootstrap.pg_createcluster.recovery_conf");
        section(t, "bootstrap").put("pg_createcluster", map("keep_existing_recovery_conf", true));
        assertThat(errorPaths(validate(t))).containsExactly("bootstrap.pg_createcluster.command");
        section(t, "bootstrap").remove("pg_createcluster");
        assertThat(errorPaths(validate(t))).containsExactly("bootstrap.method");
        section(t, "bootstrap").put("method", "initdb");
        r = validate(t);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().bootstrap().custom()).isFalse();
    }

    @Test
    void legacyShapesAreAccepted() {
        Map<String, Object> t = valid();
        t.remove("name");
        Map<String, Object> pg = section(t, "postgresql");
        pg.remove("authentication");
        pg.put("name", "legacy0");
        pg.put("superuser", map("username", "postgres"));
        pg.put("replication", map("username", "repl"));
        pg.put("pg_rewind", map("username", "rw"));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().name()).isEqualTo("legacy0");
        assertThat(r.config().postgresql().superuser().username()).isEqualTo("postgres");
        assertThat(r.config().postgresql().usePgRewind()).isTrue();
    }

    @Test
    void legacyExhibitorInsideZookeeperIsReadAsExhibitor() {
        Map<String, Object> t = valid();
        t.remove("etcd3");
        t.put("zookeeper", map("exhibitor", map("hosts", list("ex1"), "port", 8181L)));
        ValidationResult r = validate(t);
        // normalised to the exhibitor section
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().dcs().type()).isEqualTo("exhibitor");
        assertThat(r.config().dcs().section()).containsEntry("port", 8181L);
    }

    @Test
    void allowedValuesAreChecked() {
        Map<String, Object> t = valid();
        t.put("log", map("level", "LOUD"));
        t.put("watchdog", map("mode", "sometimes"));
        section(t, "bootstrap").put("dcs", map("synchronous_mode", "always", "ttl", "long"));
        section(t, "restapi").put("verify_client", "maybe");
        ValidationResult r = validate(t);
        assertThat(r.errors()).filteredOn(e -> !e.message().contains("not supported by Regent yet"))
                .extracting(ConfigError::path).containsExactlyInAnyOrder("log.level", "watchdog.mode",
                        "bootstrap.dcs.synchronous_mode", "bootstrap.dcs.ttl", "restapi.verify_client");
        t.put("log", map("level", "warning"));
        t.put("watchdog", map("mode", false));
        section(t, "bootstrap").put("dcs", map("synchronous_mode", "quorum"));
        section(t, "restapi").putAll(map("verify_client", "required", "certfile", "/etc/ssl/api.pem"));
        r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().restapi().tls().verifyClient()).isEqualTo("required");
        section(t, "restapi").remove("certfile");
        section(t, "bootstrap").put("dcs", map("synchronous_mode", "off"));
        section(t, "restapi").put("verify_client", "none");
        r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().log().level()).isEqualTo("WARNING");
    }

    @Test
    void ctlFallsBackToRestapiCredentialsAndAuthNeedsBoth() {
        Map<String, Object> t = valid();
        section(t, "restapi").put("authentication", map("username", "admin", "password", "secret"));
        NodeConfig c = validate(t).config();
        assertThat(c.restapi().authentication().username()).isEqualTo("admin");
        assertThat(c.ctl()).isEqualTo(new NodeConfig.Credentials("admin", "secret"));
        section(t, "restapi").put("authentication", map("username", "admin"));
        assertThat(errorPaths(validate(t))).containsExactly("restapi.authentication.password");
    }

    @Test
    void restapiSecurityKeysAreTyped() {
        Map<String, Object> t = valid();
        NodeConfig plain = validate(t).config();
        assertThat(plain.restapi().tls()).isNull();
        assertThat(plain.restapi().scheme()).isEqualTo("http");
        assertThat(plain.restapi().requestQueueSize()).as("unset: Regent's own backlog").isNull();
        assertThat(plain.ctlTls()).isEqualTo(NodeConfig.CtlTls.NONE);
        section(t, "restapi").putAll(map("certfile", "/c.pem", "keyfile", "/k.pem", "keyfile_password", "pw",
                "cafile", "/ca.pem", "ciphers", "ECDHE-RSA-AES128-GCM-SHA256", "verify_client", "Optional",
                "allowlist", list("10.0.0.0/8", "db1"), "allowlist_include_members", "on",
                "http_extra_headers", map("X-A", "1"), "https_extra_headers", map("X-B", 2L),
                "server_tokens", "ProductOnly", "request_queue_size", 0L, "thread_pool_size", 8L));
        t.put("ctl", map("certfile", "/cc.pem", "keyfile", "/ck.pem", "keyfile_password", "p2", "insecure", "yes"));
        NodeConfig c = validate(t).config();
        assertThat(c.restapi().tls()).isEqualTo(new NodeConfig.RestApiTls("/c.pem", "/k.pem", "pw", "/ca.pem",
                "ECDHE-RSA-AES128-GCM-SHA256", "optional"));
        assertThat(c.restapi().tls().toString()).doesNotContain("pw");
        assertThat(c.restapi().scheme()).isEqualTo("https");
        assertThat(c.restapi().allowlist()).containsExactly("10.0.0.0/8", "db1");
        assertThat(c.restapi().allowlistIncludeMembers()).isTrue();
        assertThat(c.restapi().httpExtraHeaders()).isEqualTo(Map.of("X-A", "1"));
        assertThat(c.restapi().httpsExtraHeaders()).isEqualTo(Map.of("X-B", "2"));
        assertThat(c.restapi().serverTokens()).isEqualTo("productonly");
        assertThat(c.restapi().requestQueueSize()).isZero();
        assertThat(c.restapi().threadPoolSize()).isEqualTo(8);
        // ctl.cacert falls back on restapi.cafile (Patroni)
        assertThat(c.ctlTls()).isEqualTo(new NodeConfig.CtlTls(true, "/ca.pem", "/cc.pem", "/ck.pem", "p2"));
        assertThat(c.ctlTls().toString()).doesNotContain("p2");
    }

    @Test
    void allowlistNetworksAreCheckedAtLoad() {
        Map<String, Object> t = valid();
        section(t, "restapi").put("allowlist", list("10.0.0.0/8", "db1.example", "::1", "fd00::/64", "10.0.0.0/33",
                "db1/8", "fd00::/129"));
        ValidationResult r = validate(t);
        assertThat(errorPaths(r)).containsExactlyInAnyOrder("restapi.allowlist[4]", "restapi.allowlist[5]",
                "restapi.allowlist[6]");
        assertThat(r.errors()).anySatisfy(e -> assertThat(e.message()).isEqualTo("'10.0.0.0/33' is not a network: "
                + "the prefix must be 0-32"));
    }

    @Test
    void tlsCompanionsWithoutCertfileAreReportedAsIgnored() {
        Map<String, Object> t = valid();
        section(t, "restapi").putAll(map("keyfile", "/k.pem", "verify_client", "required"));
        ValidationResult r = validate(t);
        assertThat(r.errors()).isEmpty();
        assertThat(r.config().restapi().tls()).isNull();
        assertThat(r.warnings()).extracting(ConfigError::path).contains("restapi.keyfile", "restapi.verify_client");
    }

    @Test
    void nonMappingRootIsAnError() {
        ValidationResult r = NodeConfigValidator.validate(new ConfigValue("just text", "x.yml:1"));
        assertThat(r.errors()).hasSize(1);
        assertThat(r.errors().get(0).source()).isEqualTo("x.yml:1");
    }
}
