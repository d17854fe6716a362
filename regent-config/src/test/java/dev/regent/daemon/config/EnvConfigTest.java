package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.ConfigValue;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvConfigTest {

    private static Object at(EnvConfig.Result r, String path) {
        ConfigValue v = r.tree().at(path);
        return v == null ? null : v.toPlain();
    }

    @Test
    void dcsSuffixVariablesAreTyped() {
        EnvConfig.Result r = EnvConfig.from(Map.of(
                "PATRONI_CONSUL_PORT", "8500",
                "PATRONI_CONSUL_REGISTER_SERVICE", "yes",
                "PATRONI_KUBERNETES_LABELS", "{application: patroni, env: prod}",
                "PATRONI_KUBERNETES_USE_ENDPOINTS", "true",
                "PATRONI_ETCD3_HOSTS", "a:2379, b:2379",
                "PATRONI_ETCD3_USERNAME", "u",
                "PATRONI_ETCD_PASSWORD", "no-section",
                "PATRONI_CITUS_GROUP", "1",
                "PATRONI_CITUS_HOST", "ignored"));
        assertThat(at(r, "consul.port")).isEqualTo(8500L);
        assertThat(at(r, "consul.register_service")).isEqualTo(true);
        assertThat(at(r, "kubernetes.labels")).isEqualTo(Map.of("application", "patroni", "env", "prod"));
        assertThat(at(r, "kubernetes.use_endpoints")).isEqualTo(true);
        assertThat(at(r, "etcd3.hosts")).isEqualTo(List.of("a:2379", "b:2379"));
        assertThat(at(r, "etcd3.username")).isEqualTo("u");
        assertThat(at(r, "etcd")).isNull();
        assertThat(at(r, "citus.group")).isEqualTo(1L);
        assertThat(at(r, "citus.host")).isNull();
    }

    @Test
    void raftClientCredentialFromTheEnvironment() {
        EnvConfig.Result r = EnvConfig.from(Map.of("PATRONI_RAFT_SELF_ADDR", "10.0.0.1:2222",
                "PATRONI_RAFT_PASSWORD", "peer-secret", "PATRONI_RAFT_CLIENT_PASSWORD", "client-secret",
                "PATRONI_RAFT_CLIENT_PORT_OFFSET", "100"));
        assertThat(at(r, "raft.client_password")).isEqualTo("client-secret");
        assertThat(at(r, "raft.client_port_offset")).isEqualTo(100L);
        assertThat(r.usedVariables()).contains("PATRONI_RAFT_CLIENT_PASSWORD", "PATRONI_RAFT_CLIENT_PORT_OFFSET");
        EnvConfig.Result certs = EnvConfig.from(Map.of("PATRONI_RAFT_CERTFILE", "/p.pem", "PATRONI_RAFT_KEYFILE",
                "/p.key", "PATRONI_RAFT_CAFILE", "/ca.pem", "PATRONI_RAFT_CLIENT_CAFILE", "/client-ca.pem"));
        assertThat(at(certs, "raft")).isEqualTo(Map.of("certfile", "/p.pem", "keyfile", "/p.key", "cafile",
                "/ca.pem", "client_cafile", "/client-ca.pem"));
    }

    @Test
    void etcdV2SectionFromTheEnvironment() {
        EnvConfig.Result r = EnvConfig.from(Map.ofEntries(Map.entry("PATRONI_ETCD_HOST", "e:2379"),
                Map.entry("PATRONI_ETCD_HOSTS", "a:2379, b:2379"), Map.entry("PATRONI_ETCD_URL", "http://u:2379"),
                Map.entry("PATRONI_ETCD_PROXY", "http://p:8080"), Map.entry("PATRONI_ETCD_SRV", "example.com"),
                Map.entry("PATRONI_ETCD_PROTOCOL", "https"), Map.entry("PATRONI_ETCD_USERNAME", "root"),
                Map.entry("PATRONI_ETCD_PASSWORD", "pw"), Map.entry("PATRONI_ETCD_CACERT", "/ca.pem"),
                Map.entry("PATRONI_ETCD_CERT", "/c.pem"), Map.entry("PATRONI_ETCD_KEY", "/k.pem")));
        assertThat(at(r, "etcd.host")).isEqualTo("e:2379");
        assertThat(at(r, "etcd.hosts")).isEqualTo(List.of("a:2379", "b:2379"));
        assertThat(at(r, "etcd.url")).isEqualTo("http://u:2379");
        assertThat(at(r, "etcd.proxy")).isEqualTo("http://p:8080");
        assertThat(at(r, "etcd.srv")).isEqualTo("example.com");
        assertThat(at(r, "etcd.protocol")).isEqualTo("https");
        assertThat(at(r, "etcd.username")).isEqualTo("root");
        assertThat(at(r, "etcd.password")).isEqualTo("pw");
        assertThat(at(r, "etcd.cacert")).isEqualTo("/ca.pem");
        assertThat(at(r, "etcd.cert")).isEqualTo("/c.pem");
        assertThat(at(r, "etcd.key")).isEqualTo("/k.pem");
        assertThat(r.usedVariables()).hasSize(11);
    }

    @Test
    void credentialsAndSections() {
        EnvConfig.Result r = EnvConfig.from(Map.of(
                "PATRONI_SUPERUSER_USERNAME", "postgres",
                "PATRONI_REPLICATION_SSLMODE", "verify-full",
                "PATRONI_REWIND_PASSWORD", "rw",
                "PATRONI_CTL_USERNAME", "c",
                "PATRONI_POSTGRESQL_BIN_PG_CTL", "my_pg_ctl",
                "PATRONI_RESTAPI_ALLOWLIST", "10.0.0.1, 10.0.0.2",
                "PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS", "on",
                "PATRONI_RESTAPI_HTTP_EXTRA_HEADERS", "X-A: b"));
        assertThat(at(r, "postgresql.authentication.superuser.username")).isEqualTo("postgres");
        assertThat(at(r, "postgresql.authentication.replication.sslmode")).isEqualTo("verify-full");
        assertThat(at(r, "postgresql.authentication.rewind.password")).isEqualTo("rw");
        assertThat(at(r, "ctl.authentication.username")).isEqualTo("c");
        assertThat(at(r, "postgresql.bin_name.pg_ctl")).isEqualTo("my_pg_ctl");
        assertThat(at(r, "restapi.allowlist")).isEqualTo(List.of("10.0.0.1", "10.0.0.2"));
        assertThat(at(r, "restapi.allowlist_include_members")).isEqualTo(true);
        assertThat(at(r, "restapi.http_extra_headers")).isEqualTo(Map.of("X-A", "b"));
        assertThat(r.usedVariables()).hasSize(8);
    }

    @Test
    void legacyLogNamesAndBadValues() {
        EnvConfig.Result r = EnvConfig.from(Map.of(
                "PATRONI_LOGLEVEL", "DEBUG",
                "PATRONI_LOG_FORMAT", "[asctime, levelname, message]",
                "PATRONI_LOG_FILE_NUM", "many",
                "PATRONI_ZOOKEEPER_PORT", "x"));
        assertThat(at(r, "log.level")).isEqualTo("DEBUG");
        assertThat(at(r, "log.format")).isEqualTo(List.of("asctime", "levelname", "message"));
        assertThat(at(r, "log.file_num")).isNull();
        assertThat(r.problems()).extracting(e -> e.source()).containsExactlyInAnyOrder(
                "env PATRONI_LOG_FILE_NUM", "env PATRONI_ZOOKEEPER_PORT");
        EnvConfig.Result both = EnvConfig.from(Map.of("PATRONI_LOGLEVEL", "DEBUG", "PATRONI_LOG_LEVEL", "ERROR"));
        assertThat(at(both, "log.level")).isEqualTo("ERROR");
    }

    @Test
    void logModeIsOctalInTheEnvironmentAndInYamlAsInPatroni() {
        EnvConfig.Result r = EnvConfig.from(Map.of("PATRONI_LOG_MODE", "0640", "PATRONI_LOG_FILE_SIZE", "1000",
                "PATRONI_LOG_STATIC_FIELDS", "{app: patroni}", "PATRONI_LOG_LOGGERS", "{dev.regent.dcs: DEBUG}"));
        assertThat(at(r, "log.mode")).isEqualTo(0640L);
        assertThat(at(r, "log.file_size")).isEqualTo(1000L);
        assertThat(at(r, "log.static_fields")).isEqualTo(Map.of("app", "patroni"));
        assertThat(at(r, "log.loggers")).isEqualTo(Map.of("dev.regent.dcs", "DEBUG"));
        // YAML 1.1, as PyYAML reads Patroni's file: a leading 0 is octal
        ConfigValue yaml = YamlTreeReader.read("log:\n  mode: 0644\n", "t.yml", false);
        assertThat(((Number) yaml.at("log.mode").value()).longValue()).isEqualTo(0644L);
    }
}
