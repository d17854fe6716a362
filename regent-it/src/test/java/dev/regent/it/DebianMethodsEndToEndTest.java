package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.testkit.EtcdProcess;
import dev.regent.testkit.FreePorts;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Debian's own way to run Patroni, on Regent (issue 13): the configuration written by Debian's
 * {@code pg_createconfig_patroni} from {@code /etc/patroni/config.yml.in} (with {@code /etc/patroni/dcs.yml} pointed at
 * the test's etcd for that moment and restored at once), the daemon run as the OS user {@code postgres} as
 * {@code patroni@.service} does, and the bootstrap by {@code method: pg_createcluster} through Debian's
 * {@code /usr/share/patroni/pg_createcluster_patroni}. It must come up unchanged: a primary registered with
 * postgresql-common ({@code pg_lsclusters}) with the replication role set. The replica side
 * ({@code create_replica_method: [pg_clonecluster]}) cannot clone a second cluster of the same name on one host; its
 * arguments are checked through a stand-in in {@link CustomMethodsEndToEndTest}.
 *
 * <p>Needs root (it writes /etc/patroni and creates a postgresql-common cluster, removed afterwards), as
 * {@code bin/test} runs.
 */
class DebianMethodsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DCS_YML = Path.of("/etc/patroni/dcs.yml");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void debiansTemplateBootstrapsByPgCreateclusterWithTheDaemonRunAsPostgres() throws Exception {
        assertThat(System.getProperty("user.name")).as("this test runs Debian's tools as root, as bin/test does")
                .isEqualTo("root");
        int port = freePgPortWithApiPort();
        String cluster = "rgt" + port;
        String scope = "15-" + cluster;
        Path yml = Path.of("/etc/patroni/" + scope + ".yml");
        Path work = Files.createTempDirectory("regent-debian-");
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Process daemon = null;
        try (EtcdProcess etcd = EtcdProcess.start()) {
            writeConfig(etcd.hostPort(), port, cluster);
            String config = Files.readString(yml);
            assertThat(config).contains("method: pg_createcluster", "create_replica_method:", "- pg_clonecluster",
                    "etcd3:\n  hosts: " + etcd.hostPort());

            Path log = work.resolve("regent.log");
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres",
                    "--init-groups", "--", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(dev.regent.daemon.JvmFlags.NODE);
            cmd.addAll(List.of("-cp", readableClasspath(work), "dev.regent.daemon.Main", yml.toString()));
            // started from "/": the build's directory may be closed to postgres (a clone under a mktemp -d)
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new java.io.File("/"))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(dev.regent.daemon.JvmFlags.NODE_ENV);
            daemon = pb.start();

            int api = port + 2576;  // pg_createconfig_patroni's rule
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            JsonNode status = null;
            while (System.nanoTime() < deadline) {
                status = patroni(api);
                if (status != null && "primary".equals(status.path("role").asText())
                        && "running".equals(status.path("state").asText())) {
                    break;
                }
                Thread.sleep(300);
            }
            String regentLog = Files.readString(log);
            assertThat(status).as(regentLog).isNotNull();
            assertThat(status.path("role").asText()).as(regentLog).isEqualTo("primary");
            assertThat(status.path("patroni").path("scope").asText()).isEqualTo(scope);
            assertThat(regentLog).contains("Running custom bootstrap script: /usr/share/patroni/pg_createcluster_patroni")
                    .contains("--scope=" + scope + ", --datadir=/var/lib/postgresql/15/" + cluster + "]")
                    .contains("Creating new PostgreSQL cluster 15/" + cluster);
            assertThat(run("pg_lsclusters", "-h")).as("registered with postgresql-common and online")
                    .containsPattern("(?m)^15\\s+" + cluster + "\\s+" + port + "\\s+online\\s+postgres\\s");
            assertThat(run("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", "psql", "-h",
                    "/var/run/postgresql", "-p", Integer.toString(port), "-Atc",
                    "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'").strip())
                    .as("the replication role of the configuration").isEqualTo("t");
            assertThat(Files.readString(Path.of("/etc/postgresql/15/" + cluster + "/pg_hba.conf")))
                    .as("the template's pg_hba from bootstrap.dcs (the dynamic configuration), as Patroni writes it")
                    .contains("host    all             all             127.0.0.1/32            md5")
                    .contains("local   replication     all                                     peer")
                    .doesNotContain("trust");
            assertThat(Files.exists(Path.of("/etc/postgresql/15/" + cluster + "/postgresql.base.conf")))
                    .as("Debian's postgresql.conf became the base configuration, as with Patroni").isTrue();
        } finally {
            if (daemon != null) {
                daemon.destroy();  // SIGTERM: Regent stops postgres and releases the leader key
                if (!daemon.waitFor(60, TimeUnit.SECONDS)) daemon.destroyForcibly();
            }
            runQuietly("pg_dropcluster", "--stop", "15", cluster);
            LocalCluster.deleteRecursively(Path.of("/etc/postgresql/15/" + cluster));
            Files.deleteIfExists(yml);
            Files.deleteIfExists(Path.of("/var/lib/postgresql/" + scope + ".pgpass"));
            Files.deleteIfExists(Path.of("/var/log/postgresql/postgresql-" + scope + ".log"));
            LocalCluster.deleteRecursively(work);
        }
    }

    /** pg_createconfig_patroni with dcs.yml pointed at {@code etcd} only while it runs. */
    private static void writeConfig(String etcd, int port, String cluster) throws Exception {
        byte[] original = Files.readAllBytes(DCS_YML);
        try {
            Files.writeString(DCS_YML, "etcd3:\n  hosts: " + etcd + "\n");
            run("pg_createconfig_patroni", "--port=" + port, "--hostip=127.0.0.1", "15", cluster);
        } finally {
            Files.write(DCS_YML, original);
        }
    }

    /**
     * The test classpath copied where the postgres OS user can read it (the Maven repository under /root is not).
     */
    private static String readableClasspath(Path work) throws IOException, InterruptedException {
        Path lib = Files.createDirectories(work.resolve("lib"));
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) continue;
            Path dst = lib.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                try (Stream<Path> all = Files.walk(src)) {
                    for (Path p : (Iterable<Path>) all::iterator) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) Files.createDirectories(t);
                        else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else {
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(dst.toString());
        }
        run("chmod", "-R", "a+rX", work.toString());
        return String.join(File.pathSeparator, out);
    }

    private JsonNode patroni(int api) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api
                    + "/patroni")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A PostgreSQL port whose REST API port (port + 2576, Debian's rule) is free too. */
    private static int freePgPortWithApiPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = FreePorts.one();
            if (port + 2576 < 65536 && free(port + 2576)) return port;
        }
        throw new IllegalStateException("no free port pair");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs {@code cmd} from "/" (commands run as postgres would warn that they cannot enter the build's directory, a
     * clone under a mktemp -d, and the warning would be read as output).
     */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new java.io.File("/")).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void runQuietly(String... cmd) {
        try {
            run(cmd);
        } catch (IOException | RuntimeException e) {
            // cleanup of what may not exist
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
