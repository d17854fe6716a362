package dev.regent.it;

import static dev.regent.it.ClusterEndToEndTest.exec;
import static dev.regent.it.ClusterEndToEndTest.queryOrNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import dev.regent.postgres.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Custom bootstrap and replica creation methods end to end (issue 13), with real etcd, Regent daemons as processes and
 * PostgreSQL 15. Small shell scripts written by the test stand in for the backup tools: each records the arguments
 * Regent passed it, one per line, and then does the work with initdb, pg_basebackup or cp.
 * <ol>
 * <li>node0 bootstraps cluster {@code it} by {@code bootstrap.method: scripted}: the script runs initdb with a
 * superuser password Regent does not know; Regent sets its own over a trusting pg_hba.conf, runs post_bootstrap, and
 * puts the script's pg_hba.conf back.</li>
 * <li>node1 joins by the legacy singular {@code create_replica_method: [failing, pg_clonecluster, basebackup]}
 * (the key Debian's template writes): the first method fails after leaving a file in the data directory, which is
 * wiped before the second, a stand-in for Debian's pg_clonecluster_patroni that reads the same arguments and runs
 * pg_basebackup, creates the replica.</li>
 * <li>node2 bootstraps a new cluster {@code it-pitr} from a WAL-less base backup of node0 and node0's WAL archive,
 * with {@code recovery_conf} up to a restore point: it comes up as a primary with exactly the rows committed before
 * that point.</li>
 * <li>node3's bootstrap method fails: the data directory is moved to {@code data.failed}, the error logged, and
 * the node exits, as after a failed initdb.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CustomMethodsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration UP = Duration.ofSeconds(90);
    private static LocalCluster cluster;
    private static Path rec;
    private static Path archive;
    private static String bin;

    @BeforeAll
    static void layOut() throws Exception {
        cluster = LocalCluster.create(4, 20, 2, 4);
        bin = pgBinDir();
        rec = shared(cluster.dir().resolve("methods"));
        archive = shared(cluster.dir().resolve("archive"));
        script("bootstrap.sh", """
                printf '%s\\n' "$@" > REC/bootstrap.args
                for a in "$@"; do case "$a" in --datadir=*) D="${a#--datadir=}";; esac; done
                echo unknown-password > REC/pw
                sleep 3
                exec BIN/initdb -D "$D" -U postgres --auth=scram-sha-256 --pwfile=REC/pw -E UTF8 --data-checksums
                """);
        script("post.sh", """
                printf '%s\\n' "$@" > REC/post.args
                exec BIN/psql "$1" -v ON_ERROR_STOP=1 -c 'CREATE TABLE post_bootstrap_ran (x int)'
                """);
        script("fail.sh", """
                printf '%s\\n' "$@" > REC/fail.args
                for a in "$@"; do case "$a" in --datadir=*) D="${a#--datadir=}";; esac; done
                echo partial > "$D/left_by_failing_method"
                exit 3
                """);
        script("clone.sh", """
                printf '%s\\n' "$@" > REC/clone.args
                for a in "$@"; do case "$a" in
                  --datadir=*) D="${a#--datadir=}";; --connstring=*) C="${a#--connstring=}";; esac; done
                ls -A "$D" | wc -l | tr -d ' ' > REC/clone.entries
                exec BIN/pg_basebackup -D "$D" -X stream -c fast -d "$C"
                """);
        script("broken.sh", """
                for a in "$@"; do case "$a" in --datadir=*) D="${a#--datadir=}";; esac; done
                echo half-restored > "$D/PG_VERSION"
                echo 'restore failed: no such backup' >&2
                exit 1
                """);
        script("restore.sh", """
                printf '%s\\n' "$@" > REC/restore.args
                for a in "$@"; do case "$a" in --datadir=*) D="${a#--datadir=}";; --source=*) S="${a#--source=}";; esac
                done
                exec cp -a "$S/." "$D/"
                """);

        Path y0 = yaml(0);
        Files.writeString(y0, Files.readString(y0)
                .replace("bootstrap:\n  dcs:\n", "bootstrap:\n  method: scripted\n  scripted:\n    command: " + rec
                        + "/bootstrap.sh\n    label: from-script\n  post_bootstrap: " + rec + "/post.sh\n  dcs:\n")
                + "    archive_mode: 'on'\n    archive_command: 'cp %p " + archive + "/%f'\n");
        Path y1 = yaml(1);
        Files.writeString(y1, Files.readString(y1) + String.join("\n",
                "  create_replica_method:", "  - failing", "  - pg_clonecluster", "  - basebackup",
                "  failing:", "    command: " + rec + "/fail.sh",
                "  pg_clonecluster:", "    command: " + rec + "/clone.sh", "    mode: fast", ""));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void customBootstrapRunsTheScriptWithPatronisArgumentsThenSetsTheRolesAndRunsPostBootstrap() throws Exception {
        cluster.node(0).start();
        // while the method's command runs, GET /patroni shows Patroni's state for it (the script sleeps 3 s)
        String[] seen = {null};
        FeatureSteps.poll("GET /patroni on node0 says running custom bootstrap script", Duration.ofSeconds(60), () -> {
            try {
                seen[0] = JSON.readTree(cluster.rest(0, "GET", "/patroni", null).body()).path("state").asText();
            } catch (RuntimeException | IOException e) {
                return false;  // the REST API is not up yet
            }
            return "running custom bootstrap script".equals(seen[0]);
        }, () -> "last state: " + seen[0]);
        ClusterView c = cluster.await("node0 leads cluster it", UP, v -> v.leader() != null
                && v.member("node0").map(m -> "running".equals(m.data().state())).orElse(false));
        assertThat(c.leader().name()).isEqualTo("node0");
        assertThat(c.initialize()).as("initialize holds the system identifier").isNotBlank();
        assertThat(lines("bootstrap.args")).containsExactly("--scope=it",
                "--datadir=" + cluster.layout().dataDir(0), "--label=from-script");
        int port0 = cluster.layout().pgPort(0);
        assertThat(lines("post.args")).as("post_bootstrap gets the superuser's DSN")
                .containsExactly("dbname=postgres user=postgres host=127.0.0.1 port=" + port0);
        // Regent's password replaced the one the script's initdb set, and the table post_bootstrap created is there
        assertThat(queryOrNull(cluster.jdbcUrl(0), "SELECT count(*) FROM post_bootstrap_ran")).isEqualTo("0");
        List<String> hba = Files.readAllLines(cluster.layout().dataDir(0).resolve("pg_hba.conf")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(hba).as("the script's pg_hba.conf is back, bootstrap.pg_hba appended, no trust line left")
                .contains("host    all             all             127.0.0.1/32            scram-sha-256",
                        "host replication replicator 127.0.0.1/32 md5")
                .noneMatch(l -> l.contains("trust"));
        assertThat(Files.exists(cluster.layout().dataDir(0).resolve("recovery.signal"))).isFalse();
        assertThat(log(0)).contains("Running custom bootstrap script: " + rec + "/bootstrap.sh");
    }

    @Test
    @Order(2)
    void replicaMethodsFallThroughFromAFailingMethodToTheNextWithTheDataDirectoryCleaned() throws Exception {
        cluster.node(1).start();
        cluster.await("node1 streams from node0", UP, v -> v.member("node1")
                .map(m -> "running".equals(m.data().state()) && "replica".equals(m.data().role())).orElse(false));
        String connstring = "--connstring=dbname=postgres user=replicator host=127.0.0.1 port="
                + cluster.layout().pgPort(0);
        String datadir = "--datadir=" + cluster.layout().dataDir(1);
        assertThat(lines("fail.args")).containsExactly("--scope=it", "--role=replica", datadir, connstring);
        assertThat(lines("clone.args")).as("the method's own keys first, then Patroni's")
                .containsExactly("--mode=fast", "--scope=it", "--role=replica", datadir, connstring);
        assertThat(lines("clone.entries")).as("the failed method's data directory was removed before the next")
                .containsExactly("0");
        assertThat(log(1)).contains("Error creating replica using method failing:")
                .contains("replica has been created using pg_clonecluster");
        assertThat(Files.exists(cluster.layout().dataDir(1).resolve("left_by_failing_method"))).isFalse();
        exec(cluster.jdbcUrl(0), "CREATE TABLE replicated (x int); INSERT INTO replicated VALUES (42)");
        await("the row on node1", () -> "42".equals(queryOrNull(cluster.jdbcUrl(1), "SELECT x FROM replicated")));
        JsonNode status = JSON.readTree(cluster.rest(1, "GET", "/patroni", null).body());
        assertThat(status.path("replication_state").asText()).isEqualTo("streaming");
    }

    @Test
    @Order(3)
    void aNewClusterIsBootstrappedFromABackupUpToARestorePoint() throws Exception {
        String primary = cluster.jdbcUrl(0);
        exec(primary, "CREATE TABLE pitr (i int); INSERT INTO pitr VALUES (1), (2), (3)");
        Path base = cluster.dir().resolve("methods").resolve("base");
        CommandRunner asPostgres = new CommandRunner();
        CommandRunner.Result backup = asPostgres.run(List.of(bin + "/pg_basebackup", "-D", base.toString(), "-X",
                "none", "-c", "fast", "-d", "host=127.0.0.1 port=" + cluster.layout().pgPort(0)
                        + " user=replicator dbname=postgres"),
                Map.of("PGPASSWORD", "regent-replicator"), null, Duration.ofSeconds(60));
        assertThat(backup.ok()).as(backup.output()).isTrue();
        exec(primary, "INSERT INTO pitr VALUES (4), (5)");
        exec(primary, "SELECT pg_create_restore_point('before_six')");
        exec(primary, "INSERT INTO pitr VALUES (6)");
        String segment = queryOrNull(primary, "SELECT pg_walfile_name(pg_switch_wal())");
        await("segment " + segment + " archived", () -> Files.exists(archive.resolve(segment)));

        Path y2 = yaml(2);
        Files.writeString(y2, Files.readString(y2).replace("scope: it\n", "scope: it-pitr\n")
                .replace("bootstrap:\n  dcs:\n", String.join("\n", "bootstrap:", "  method: backup_restore",
                        "  backup_restore:", "    command: " + rec + "/restore.sh", "    source: " + base,
                        "    recovery_conf:", "      restore_command: cp " + archive + "/%f %p",
                        "      recovery_target_name: before_six", "      recovery_target_action: promote",
                        "      recovery_target_timeline: latest", "  dcs:", "")));
        cluster.node(2).start();
        await("node2 runs as the primary of it-pitr", () -> {
            try {
                JsonNode s = JSON.readTree(cluster.rest(2, "GET", "/patroni", null).body());
                return "primary".equals(s.path("role").asText()) && "running".equals(s.path("state").asText());
            } catch (IOException | UncheckedIOException e) {
                return false;
            }
        });
        assertThat(lines("restore.args")).containsExactly("--scope=it-pitr",
                "--datadir=" + cluster.layout().dataDir(2), "--source=" + base);
        assertThat(queryOrNull(cluster.jdbcUrl(2), "SELECT string_agg(i::text, ',' ORDER BY i) FROM pitr"))
                .as("exactly the rows committed before the restore point").isEqualTo("1,2,3,4,5");
        assertThat(queryOrNull(cluster.jdbcUrl(2), "SELECT pg_is_in_recovery()")).isEqualTo("f");
        assertThat(queryOrNull(cluster.jdbcUrl(2), "SHOW hot_standby")).as("back on after the bootstrap")
                .isEqualTo("on");
        assertThat(Files.exists(cluster.layout().dataDir(2).resolve("recovery.signal"))).isFalse();
        assertThat(Files.readString(cluster.layout().dataDir(2).resolve("postgresql.conf")))
                .doesNotContain("restore_command").doesNotContain("recovery_target");
        // the original cluster is untouched by the new one
        assertThat(cluster.cluster().leader().name()).isEqualTo("node0");
    }

    @Test
    @Order(4)
    void aFailedMethodMovesTheDataDirectoryAsideAndTheNodeExits() throws Exception {
        Path y3 = yaml(3);
        Files.writeString(y3, Files.readString(y3).replace("scope: it\n", "scope: it-broken\n")
                .replace("bootstrap:\n  dcs:\n", "bootstrap:\n  method: broken\n  broken:\n    command: " + rec
                        + "/broken.sh\n  dcs:\n"));
        RegentNode node = cluster.node(3);
        node.start();
        await("node3 exits", () -> !node.isAlive());
        String log = log(3);
        assertThat(log).contains("custom bootstrap script " + rec + "/broken.sh exited with code 1")
                .contains("restore failed: no such backup")
                .contains("removing initialize key after failed attempt to bootstrap the cluster")
                .contains("Failed to bootstrap cluster");
        Path data = cluster.layout().dataDir(3);
        assertThat(data.resolveSibling("data.failed").resolve("PG_VERSION")).as("moved aside, as Patroni does")
                .hasContent("half-restored");
        assertThat(Files.exists(data)).isFalse();
    }

    private static Path yaml(int i) {
        return cluster.dir().resolve(cluster.node(i).name() + ".yml");
    }

    private static Path shared(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    private static void script(String name, String body) throws IOException {
        Path p = rec.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body.replace("REC", rec.toString()).replace("BIN", bin));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static List<String> lines(String file) throws IOException {
        return Files.readAllLines(rec.resolve(file));
    }

    private static String log(int i) throws IOException {
        return Files.readString(cluster.node(i).log());
    }

    private static String pgBinDir() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0) throw new IllegalStateException("pg_config --bindir failed: " + out);
        return out;
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
