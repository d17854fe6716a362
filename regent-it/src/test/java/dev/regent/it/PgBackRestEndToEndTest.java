package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.postgres.CommandRunner;
import dev.regent.postgres.ShellWords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * pgBackRest for real (issue 13), with Debian's {@code pgbackrest} package, real etcd, Regent daemons as processes and
 * PostgreSQL 15: a repository, lock and log paths in the test's directory, pgbackrest run as the PostgreSQL OS user,
 * node0's {@code archive_command} through {@code pgbackrest archive-push}, a full backup; then
 * <ol>
 * <li>node1 is created by a {@code pgbackrest} replica method (Patroni's documented shape: {@code keep_data},
 * {@code no_params}, {@code --delta restore}) while the primary takes writes, and catches up through
 * {@code archive-get} and streaming;</li>
 * <li>node2 bootstraps a new cluster by a custom method that restores the backup up to a restore point with pgBackRest's
 * own recovery settings ({@code keep_existing_recovery_conf}), and comes up as a primary with exactly the rows
 * committed before that point;</li>
 * <li>node3 bootstraps the standby cluster {@code it-standby} of node0's cluster: its standby leader is created by the
 * {@code pgbackrest} method of {@code standby_cluster.create_replica_methods}, follows node0 through
 * {@code archive-get} ({@code standby_cluster.restore_command}) and streaming, and is then promoted by
 * {@code regentctl promote-cluster}. (Demoting the original afterwards needs a pg_rewind against the promoted remote,
 * which Regent does not do yet.)</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgBackRestEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration UP = Duration.ofSeconds(120);
    private static LocalCluster cluster;
    private static Path conf;
    private static final CommandRunner AS_POSTGRES = new CommandRunner();

    @BeforeAll
    static void layOut() throws Exception {
        cluster = LocalCluster.create(4, 20, 2, 4);
        Path dir = shared(cluster.dir().resolve("pgbackrest"));
        Path repo = shared(dir.resolve("repo"));
        Path lock = shared(dir.resolve("lock"));
        Path log = shared(dir.resolve("log"));
        conf = dir.resolve("pgbackrest.conf");
        Files.writeString(conf, String.join("\n", "[global]", "repo1-path=" + repo, "lock-path=" + lock,
                "log-path=" + log, "log-level-console=info", "log-level-file=detail", "start-fast=y",
                "repo1-retention-full=2", "", "[it]", "pg1-path=" + cluster.layout().dataDir(0),
                "pg1-port=" + cluster.layout().pgPort(0), "pg1-socket-path=/tmp", "pg1-user=postgres", ""));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
        String pgbackrest = "pgbackrest --config=" + conf + " --stanza=it";

        Path y0 = yaml(0);
        Files.writeString(y0, Files.readString(y0) + "    archive_mode: 'on'\n    archive_command: '" + pgbackrest
                + " archive-push %p'\n");
        Path y1 = yaml(1);
        Files.writeString(y1, Files.readString(y1) + String.join("\n",
                "  create_replica_methods:", "  - pgbackrest", "  - basebackup",
                "  pgbackrest:",
                "    command: " + pgbackrest + " --pg1-path=" + cluster.layout().dataDir(1) + " --delta restore",
                "    keep_data: true", "    no_params: true",
                "  recovery_conf:", "    restore_command: " + pgbackrest + " archive-get %f \"%p\"", ""));
        Path y2 = yaml(2);
        Files.writeString(y2, Files.readString(y2).replace("scope: it\n", "scope: it-restored\n")
                .replace("bootstrap:\n  dcs:\n", String.join("\n", "bootstrap:", "  method: pgbackrest",
                        "  pgbackrest:",
                        "    command: " + pgbackrest + " --pg1-path=" + cluster.layout().dataDir(2)
                                + " --type=name --target=before_six --target-action=promote restore",
                        "    keep_existing_recovery_conf: true", "    no_params: true", "  dcs:", "")));
        Path y3 = yaml(3);
        Files.writeString(y3, Files.readString(y3).replace("scope: it\n", "scope: it-standby\n")
                .replace("bootstrap:\n  dcs:\n", String.join("\n", "bootstrap:", "  dcs:", "    standby_cluster:",
                        "      host: 127.0.0.1", "      port: " + cluster.layout().pgPort(0),
                        "      restore_command: " + pgbackrest + " archive-get %f \"%p\"",
                        "      create_replica_methods:", "      - pgbackrest", "      - basebackup", ""))
                + String.join("\n", "  pgbackrest:",
                        "    command: " + pgbackrest + " --pg1-path=" + cluster.layout().dataDir(3) + " --delta restore",
                        "    keep_data: true", "    no_params: true", ""));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void aReplicaIsCreatedFromTheBackupWhileThePrimaryTakesWrites() throws Exception {
        cluster.node(0).start();
        cluster.await("node0 leads", UP, v -> v.leader() != null
                && v.member("node0").map(m -> "running".equals(m.data().state())).orElse(false));
        String primary = cluster.jdbcUrl(0);
        exec(primary, "CREATE TABLE writes (i int PRIMARY KEY)");
        pgbackrest("stanza-create");
        pgbackrest("backup", "--type=full");

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger acknowledged = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(primary, LocalCluster.SUPERUSER,
                    LocalCluster.SUPERUSER_PASSWORD); Statement s = c.createStatement()) {
                while (writing.get()) {
                    s.execute("INSERT INTO writes VALUES (" + (acknowledged.get() + 1) + ")");
                    acknowledged.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "writer");
        writer.start();
        cluster.node(1).start();
        cluster.await("node1 streams from node0", UP, v -> v.member("node1")
                .map(m -> "running".equals(m.data().state()) && "replica".equals(m.data().role())).orElse(false));
        writing.set(false);
        writer.join(10_000);
        int rows = acknowledged.get();
        assertThat(rows).as("writes during the restore").isPositive();
        await("node1 has every acknowledged row", () -> Integer.toString(rows).equals(
                queryOrNull(cluster.jdbcUrl(1), "SELECT count(*) FROM writes")));
        await("node1 streams", () -> "streaming".equals(patroni(1).path("replication_state").asText()));
        String log1 = Files.readString(cluster.node(1).log());
        assertThat(log1).contains("replica has been created using pgbackrest")
                .doesNotContain("replica has been created using basebackup");
        assertThat(Files.readString(cluster.layout().dataDir(1).resolve("postgresql.conf")))
                .as("the replica's own restore_command").contains("archive-get %f");
    }

    @Test
    @Order(2)
    void aNewClusterIsRestoredToAPointInTimeByACustomBootstrap() throws Exception {
        String primary = cluster.jdbcUrl(0);
        exec(primary, "CREATE TABLE pitr (i int); INSERT INTO pitr VALUES (1), (2), (3)");
        pgbackrest("backup", "--type=full");
        exec(primary, "INSERT INTO pitr VALUES (4), (5)");
        exec(primary, "SELECT pg_create_restore_point('before_six')");
        exec(primary, "INSERT INTO pitr VALUES (6)");
        String segment = queryOrNull(primary, "SELECT pg_walfile_name(pg_switch_wal())");
        await("segment " + segment + " archived", () -> segment.equals(
                queryOrNull(primary, "SELECT last_archived_wal FROM pg_stat_archiver")));

        cluster.node(2).start();
        await("node2 runs as the primary of it-restored", () -> {
            JsonNode s = patroni(2);
            return "primary".equals(s.path("role").asText()) && "running".equals(s.path("state").asText());
        });
        String node2 = cluster.jdbcUrl(2);
        assertThat(queryOrNull(node2, "SELECT string_agg(i::text, ',' ORDER BY i) FROM pitr"))
                .as("exactly the rows committed before the restore point").isEqualTo("1,2,3,4,5");
        assertThat(queryOrNull(node2, "SELECT pg_is_in_recovery()")).isEqualTo("f");
        assertThat(queryOrNull(node2, "SHOW hot_standby")).as("back on after the bootstrap").isEqualTo("on");
        assertThat(Files.readString(cluster.layout().dataDir(2).resolve("postgresql.auto.conf")))
                .as("pgBackRest's recovery settings were used, then removed").doesNotContain("restore_command");
        assertThat(Files.exists(cluster.layout().dataDir(2).resolve("recovery.signal"))).isFalse();
        assertThat(cluster.cluster().leader().name()).isEqualTo("node0");
    }

    @Test
    @Order(3)
    void aStandbyClusterFollowsThroughTheArchiveAndStreamingThenIsPromoted() throws Exception {
        String primary = cluster.jdbcUrl(0);
        exec(primary, "CREATE TABLE standby_rows (i int); INSERT INTO standby_rows VALUES (1)");
        cluster.node(3).start();
        await("node3 runs as the standby leader of it-standby", () -> {
            JsonNode s = patroni(3);
            return "standby_leader".equals(s.path("role").asText()) && "running".equals(s.path("state").asText());
        });
        String node3 = cluster.jdbcUrl(3);
        assertThat(Files.readString(cluster.node(3).log())).contains("replica has been created using pgbackrest")
                .doesNotContain("replica has been created using basebackup");
        String conf3 = Files.readString(cluster.layout().dataDir(3).resolve("postgresql.conf"));
        assertThat(conf3).as("standby_cluster.restore_command").contains("archive-get %f");
        assertThat(conf3).contains("port=" + cluster.layout().pgPort(0));
        await("node3 streams from node0", () -> "streaming".equals(patroni(3).path("replication_state").asText()));
        exec(primary, "INSERT INTO standby_rows VALUES (2)");
        await("node3 has the new row", () -> "2".equals(queryOrNull(node3, "SELECT count(*) FROM standby_rows")));

        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code = dev.regent.ctl.RegentCtl.run(new String[] {"-c", yaml(3).toString(), "promote-cluster", "--force"},
                new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(out, true),
                new java.io.PrintStream(out, true), Map.of("HOME", cluster.dir().toString()));
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("Cluster it-standby successfully promoted");
        await("node3 accepts writes", () -> "f".equals(queryOrNull(node3, "SELECT pg_is_in_recovery()")));
        exec(node3, "INSERT INTO standby_rows VALUES (3)");
        assertThat(queryOrNull(node3, "SELECT count(*) FROM standby_rows")).isEqualTo("3");
        assertThat(cluster.cluster().leader().name()).as("the original cluster still has its primary")
                .isEqualTo("node0");
    }

    private static void pgbackrest(String... args) {
        List<String> cmd = new ArrayList<>(ShellWords.split("pgbackrest --config=" + conf + " --stanza=it"));
        cmd.addAll(List.of(args));
        CommandRunner.Result r = AS_POSTGRES.run(cmd, Map.of(), null, Duration.ofMinutes(3));
        assertThat(r.ok()).as(cmd + " exited " + r.exitCode() + ":\n" + r.output()).isTrue();
    }

    private static JsonNode patroni(int i) {
        try {
            return JSON.readTree(cluster.rest(i, "GET", "/patroni", null).body());
        } catch (IOException | UncheckedIOException e) {
            return JSON.createObjectNode();
        }
    }

    private static Path yaml(int i) {
        return cluster.dir().resolve(cluster.node(i).name() + ".yml");
    }

    private static Path shared(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + UP.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logs());
            }
            Thread.sleep(200);
        }
    }
}
