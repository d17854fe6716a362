package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.ConfigError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void sampleConfigValidates() throws IOException {
        Path p = write("sample.yml", ConfigCli.generateSampleConfig());
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of());
        assertThat(l.problems()).isEmpty();
        assertThat(l.config().dcs().type()).isEqualTo("etcd3");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ConfigCli.validateConfig(p, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("valid");
    }

    @Test
    void errorsNameKeyPathAndFileLine() throws IOException {
        String text = ConfigCli.generateSampleConfig()
                .replace("  pg_ctl_timeout: 60\n", "")
                .replace("  data_dir: /var/lib/postgresql/data\n", "  data_dir: /d\n  pg_ctl_timeout: soon\n")
                .replace("listen: 0.0.0.0:8008", "listen: 0.0.0.0:99999");
        Path p = write("bad.yml", text);
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of());
        assertThat(l.config()).isNull();
        int timeoutLine = lineOf(text, "pg_ctl_timeout: soon");
        int listenLine = lineOf(text, "listen: 0.0.0.0:99999");
        assertThat(l.errors()).extracting(ConfigError::path, ConfigError::source).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("postgresql.pg_ctl_timeout", p + ":" + timeoutLine),
                org.assertj.core.groups.Tuple.tuple("restapi.listen", p + ":" + listenLine));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ConfigCli.validateConfig(p, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("postgresql.pg_ctl_timeout (" + p + ":"
                + timeoutLine + ")").contains("2 error(s)");
    }

    @Test
    void validateConfigRefusesUnsupportedSafetySettingsInOneMessageWithFileLines() throws IOException {
        String text = ConfigCli.generateSampleConfig()
                .replace("    synchronous_mode: false\n", "    synchronous_mode: on\n    standby_cluster:\n      host: h1,h2\n")
                .replace("  connect_address: 127.0.0.1:8008\n", "  connect_address: 127.0.0.1:8008\n"
                        + "  certfile: /etc/ssl/api.pem\n")
                + "citus:\n  group: 0\n  database: citus\nthread_pool_size: 10\n";
        Path p = write("unsupported.yml", text);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ConfigCli.validateConfig(p, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).isEqualTo(1);
        assertThat(printed.lines().filter(l -> l.startsWith("the node would refuse to start: ")).toList())
                .singleElement().satisfies(line -> assertThat(line)
                        .contains("a setting Regent does not support yet: ")
                        .contains("citus: {group, database} (" + p + ":" + lineOf(text, "group: 0") + ")")
                        // HTTPS for the REST API is implemented
                        .doesNotContain("restapi.certfile")
                        // synchronous replication is implemented: a bare on (YAML 1.1 true) is accepted
                        .doesNotContain("synchronous_mode")
                        // a standby cluster with several hosts is implemented
                        .doesNotContain("standby_cluster")
                        .doesNotContain("thread_pool_size"));
        assertThat(printed).contains("warning: thread_pool_size (" + p + ":" + lineOf(text, "thread_pool_size: 10")
                + "): not supported by Regent yet, ignored: the JVM's threads are sized by Regent");
    }

    @Test
    void bootstrapUsersIsAnIgnoredErrorNotARefusal() throws IOException {
        String text = ConfigCli.generateSampleConfig().replace("  initdb:\n",
                "  users:\n    admin:\n      password: admin\n  initdb:\n");
        Path p = write("users.yml", text);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ConfigCli.validateConfig(p, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(rc).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("error (ignored): bootstrap.users (" + p + ":"
                + lineOf(text, "admin:") + "): bootstrap.users was removed in Patroni 4.0 and is ignored");
    }

    private static int lineOf(String text, String needle) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle);
    }

    @Test
    void directoryFilesAreMergedInSortedOrderLaterWins() throws IOException {
        Path confDir = dir.resolve("conf.d");
        Files.createDirectories(confDir);
        Files.writeString(confDir.resolve("10-base.yml"), ConfigCli.generateSampleConfig());
        Files.writeString(confDir.resolve("20-node.yaml"),
                "name: node2\npostgresql:\n  connect_address: 10.0.0.2:5432\n");
        Files.writeString(confDir.resolve("05-ignored.txt"), "name: nope\n");
        ConfigLoader.Loaded l = ConfigLoader.load(confDir, Map.of());
        assertThat(l.errors()).isEmpty();
        assertThat(l.config().name()).isEqualTo("node2");
        assertThat(l.config().postgresql().connectAddress()).isEqualTo("10.0.0.2:5432");
        assertThat(l.config().postgresql().dataDir()).isEqualTo("/var/lib/postgresql/data");
        assertThat(l.tree().at("name").source()).endsWith("20-node.yaml:1");
    }

    @Test
    void environmentOverridesTheFileWithTyping() throws IOException {
        Path p = write("p.yml", ConfigCli.generateSampleConfig());
        Map<String, String> env = Map.of(
                "PATRONI_NAME", "envnode",
                "PATRONI_ETCD3_HOSTS", "10.0.0.1:2379,10.0.0.2:2379",
                "PATRONI_SUPERUSER_PASSWORD", "fromenv",
                "PATRONI_RESTAPI_USERNAME", "admin",
                "PATRONI_RESTAPI_PASSWORD", "s3cret",
                "PATRONI_LOG_MAX_QUEUE_SIZE", "50",
                "HOME", "/root");
        ConfigLoader.Loaded l = ConfigLoader.load(p, env);
        assertThat(l.errors()).isEmpty();
        assertThat(l.config().name()).isEqualTo("envnode");
        assertThat(l.config().dcs().section().get("hosts")).isEqualTo(List.of("10.0.0.1:2379", "10.0.0.2:2379"));
        assertThat(l.config().postgresql().superuser().password()).isEqualTo("fromenv");
        assertThat(l.config().postgresql().superuser().username()).isEqualTo("postgres");
        assertThat(l.config().restapi().authentication().username()).isEqualTo("admin");
        assertThat(l.tree().at("log.max_queue_size").value()).isEqualTo(50L);
        assertThat(l.tree().at("name").source()).isEqualTo("env PATRONI_NAME");
        assertThat(l.usedEnvVariables()).contains("PATRONI_NAME", "PATRONI_ETCD3_HOSTS").doesNotContain("HOME");
    }

    @Test
    void envErrorsNameTheVariable() throws IOException {
        Path p = write("p.yml", ConfigCli.generateSampleConfig());
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of("PATRONI_POSTGRESQL_LISTEN", "nowhere"));
        assertThat(l.errors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("postgresql.listen");
            assertThat(e.source()).isEqualTo("env PATRONI_POSTGRESQL_LISTEN");
        });
    }

    @Test
    void patroniConfigurationIsExclusive() {
        String yaml = ConfigCli.generateSampleConfig().replace("name: node1", "name: fromvar");
        ConfigLoader.Loaded l = ConfigLoader.load(null, Map.of("PATRONI_CONFIGURATION", yaml,
                "PATRONI_NAME", "ignored"));
        assertThat(l.errors()).isEmpty();
        assertThat(l.config().name()).isEqualTo("fromvar");
        assertThat(l.usedEnvVariables()).containsExactly("PATRONI_CONFIGURATION");
        assertThat(l.tree().at("name").source()).startsWith("env PATRONI_CONFIGURATION:");
    }

    @Test
    void environmentAloneCanConfigureANode() {
        Map<String, String> env = Map.ofEntries(Map.entry("PATRONI_NAME", "e1"), Map.entry("PATRONI_SCOPE", "s"),
                Map.entry("PATRONI_RESTAPI_LISTEN", "0.0.0.0:8008"),
                Map.entry("PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.1:8008"),
                Map.entry("PATRONI_POSTGRESQL_LISTEN", "0.0.0.0:5432"),
                Map.entry("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.1:5432"),
                Map.entry("PATRONI_POSTGRESQL_DATA_DIR", "/data"),
                Map.entry("PATRONI_SUPERUSER_USERNAME", "postgres"),
                Map.entry("PATRONI_REPLICATION_USERNAME", "repl"),
                Map.entry("PATRONI_ETCD3_HOSTS", "['etcd1:2379', 'etcd2:2379']"));
        ConfigLoader.Loaded l = ConfigLoader.load(null, env);
        assertThat(l.problems()).isEmpty();
        assertThat(l.config().dcs().type()).isEqualTo("etcd3");
        assertThat(l.config().dcs().section().get("hosts")).isEqualTo(List.of("etcd1:2379", "etcd2:2379"));
        // PATRONI_ZOOKEEPER_* build a zookeeper section (Patroni's typing: YAML list, bool, YAML map)
        Map<String, String> zk = new java.util.HashMap<>(env);
        zk.remove("PATRONI_ETCD3_HOSTS");
        zk.put("PATRONI_ZOOKEEPER_HOSTS", "['zk1:2181', 'zk2:2181']");
        ConfigLoader.Loaded z = ConfigLoader.load(null, zk);
        assertThat(z.problems()).isEmpty();
        assertThat(z.config().dcs().type()).isEqualTo("zookeeper");
        assertThat(z.config().dcs().section().get("hosts")).isEqualTo(List.of("zk1:2181", "zk2:2181"));
        Map<String, String> ex = new java.util.HashMap<>(env);
        ex.remove("PATRONI_ETCD3_HOSTS");
        ex.put("PATRONI_EXHIBITOR_HOSTS", "ex1,ex2");
        ex.put("PATRONI_EXHIBITOR_PORT", "8181");
        ConfigLoader.Loaded exhibitor = ConfigLoader.load(null, ex);
        assertThat(exhibitor.problems()).isEmpty();
        assertThat(exhibitor.config().dcs().type()).isEqualTo("exhibitor");
        assertThat(exhibitor.config().dcs().section()).containsEntry("hosts", List.of("ex1", "ex2"))
                .containsEntry("port", 8181L);
        zk.put("PATRONI_ZOOKEEPER_USE_SSL", "true");
        zk.put("PATRONI_ZOOKEEPER_SET_ACLS", "{'CN=node1': [READ, WRITE]}");
        ConfigLoader.Loaded tls = ConfigLoader.load(null, zk);
        assertThat(tls.problems()).isEmpty();
        // USE_SSL is not among Patroni's boolean suffixes: the string "true", which the ZooKeeper store accepts
        assertThat(tls.config().dcs().section()).containsEntry("use_ssl", "true")
                .containsEntry("set_acls", Map.of("CN=node1", List.of("READ", "WRITE")));
    }

    @Test
    void missingRequiredKeysAreAllReportedTogether() throws IOException {
        Path p = write("empty.yml", "postgresql:\n  data_dir: /d\n");
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of());
        assertThat(l.errors()).extracting(ConfigError::path).contains("name", "scope", "restapi",
                "postgresql.listen", "postgresql.connect_address", "postgresql.authentication.superuser.username",
                "postgresql.authentication.replication.username");
        assertThat(l.errors()).filteredOn(e -> e.path().equals("postgresql.listen"))
                .extracting(ConfigError::source).containsExactly(p + ":2");
    }

    @Test
    void yamlSyntaxErrorsAndMissingFilesAreReported() throws IOException {
        Path p = write("broken.yml", "name: a\nrestapi: [\n");
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of());
        assertThat(l.errors()).singleElement().satisfies(e -> assertThat(e.message()).contains("invalid YAML"));
        ConfigLoader.Loaded missing = ConfigLoader.load(dir.resolve("nope.yml"), Map.of());
        assertThat(missing.errors().get(0).message()).contains("does not exist");
    }

    @Test
    void unknownKeysAreWarnedWithLine() throws IOException {
        Path p = write("w.yml", ConfigCli.generateSampleConfig() + "frobnicate: true\n");
        ConfigLoader.Loaded l = ConfigLoader.load(p, Map.of());
        assertThat(l.errors()).isEmpty();
        assertThat(l.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("frobnicate");
            assertThat(w.source()).startsWith(p + ":");
        });
    }
}
