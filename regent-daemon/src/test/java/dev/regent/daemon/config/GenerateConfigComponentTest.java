package dev.regent.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig.Callbacks;
import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;
import dev.regent.postgres.CommandRunner;
import dev.regent.postgres.Postgresql;
import dev.regent.postgres.StopMode;
import dev.regent.testkit.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code regent --generate-config} against a real PostgreSQL 15: the output is YAML with the server's data directory,
 * listen address, binaries, parameters, {@code pg_hba} and {@code cluster_name} as scope, and, once the operator adds
 * a DCS, Regent's own {@code --validate-config} accepts it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateConfigComponentTest {
    private static final PgUser SUPERUSER = new PgUser("postgres", "su-secret", Map.of());
    private Path base;
    private Postgresql pg;
    private int port;

    @BeforeAll
    void startPostgres() throws Exception {
        base = Files.createTempDirectory("regent-generate-config");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        new CommandRunner().ensureOwnedDirectory(base.resolve("sockets"));
        port = FreePorts.one();
        PostgresqlConfig cfg = new PostgresqlConfig("127.0.0.1:" + port, "127.0.0.1:" + port,
                base.resolve("n1").toString(), null, null, base.resolve("n1.pgpass").toString(), null, SUPERUSER,
                null, null, Map.of("unix_socket_directories", base.resolve("sockets").toString(), "fsync", false,
                "shared_buffers", "16MB", "work_mem", "8MB"),
                List.of("local all all trust", "host all all 127.0.0.1/32 scram-sha-256"),
                null, List.of(), List.of("basebackup"), true, false, false, 60, Callbacks.NONE, null, null, Map.of(),
                Map.of(), false, false);
        pg = new Postgresql(cfg, "generated-scope", "n1");
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), SUPERUSER.password());
        pg.writeConfig(dev.regent.postgres.Role.PRIMARY, null, null);
        // as ALTER SYSTEM would have left it: a command, which goes to the local parameters
        Files.writeString(base.resolve("n1/postgresql.auto.conf"), "restore_command = 'cp /nonexistent/%f %p'\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(pg.start(Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (pg != null && !pg.stop(StopMode.IMMEDIATE, Duration.ofSeconds(10))) {
            pg.postmasterPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
        try (Stream<Path> s = Files.walk(base)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void generatesAConfigurationThatRegentValidates() throws Exception {
        Path file = base.resolve("out/regent.yml");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ConfigCli.generateConfig(new String[] {"--dsn",
                "host=127.0.0.1 port=" + port + " user=postgres password='su-secret' dbname=postgres",
                file.toString()}, Map.of(), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String text = Files.readString(file);
        assertThat(text).contains("# The bootstrap configuration. Works only when the cluster is not yet initialized.");
        Map<String, Object> config = new Yaml().load(text);

        assertThat(config.get("scope")).isEqualTo("generated-scope");
        Map<String, Object> postgresql = (Map<String, Object>) config.get("postgresql");
        Path dataDir = base.resolve("n1").toRealPath();
        assertThat(Path.of((String) postgresql.get("data_dir")).toRealPath()).isEqualTo(dataDir);
        assertThat(postgresql.get("listen")).isEqualTo("127.0.0.1:" + port);
        assertThat(postgresql.get("connect_address")).asString().endsWith(":" + port);
        assertThat(Path.of((String) postgresql.get("bin_dir")).resolve("postgres")).isExecutable();
        Map<String, Object> local = (Map<String, Object>) postgresql.get("parameters");
        assertThat(local).containsEntry("restore_command", "cp /nonexistent/%f %p")
                .containsKeys("hba_file", "ident_file", "config_file");
        assertThat((List<String>) postgresql.get("pg_hba"))
                .contains("host all all 127.0.0.1/32 scram-sha-256");
        Map<String, Object> auth = (Map<String, Object>) postgresql.get("authentication");
        assertThat((Map<String, Object>) auth.get("superuser")).containsEntry("username", "postgres")
                .containsEntry("password", "su-secret");
        assertThat((Map<String, Object>) auth.get("replication")).containsEntry("username", "#FIXME");
        Map<String, Object> dcs = (Map<String, Object>) ((Map<String, Object>) config.get("bootstrap")).get("dcs");
        Map<String, Object> dcsParameters = (Map<String, Object>) ((Map<String, Object>) dcs.get("postgresql"))
                .get("parameters");
        assertThat(dcsParameters).containsEntry("work_mem", "8MB").containsEntry("wal_level", "replica")
                .containsKeys("max_connections", "max_wal_senders", "wal_keep_size")
                .doesNotContainKeys("listen_addresses", "port", "data_directory", "restore_command");
        assertThat(config).containsKeys("name", "restapi", "log", "tags");

        // what the operator adds: a DCS (the replication user's placeholder is a valid name as it stands)
        Files.writeString(file, text + "\netcd3:\n  hosts:\n  - 127.0.0.1:2379\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int valid = ConfigCli.validateConfig(file, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(valid).as(out.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void aWrongPasswordIsAClearError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ConfigCli.generateConfig(new String[] {"--dsn",
                "postgresql://postgres:wrong@127.0.0.1:" + port + "/postgres"}, Map.of(), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("Failed to establish PostgreSQL connection:")
                .doesNotContain("wrong");
    }

    @Test
    void withoutAPasswordAndNoTerminalItSaysWhereToGiveIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ConfigCli.generateConfig(new String[] {"--dsn", "host=127.0.0.1 port=" + port}, Map.of(),
                System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("PGPASSWORD");
    }
}
