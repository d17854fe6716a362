package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.daemon.JvmFlags;
import dev.regent.daemon.demo.NodeConfigWriter;
import dev.regent.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The binary distribution {@code regent-VERSION.tar.gz} that {@code mvn package} makes (regent-dist): unpacked with
 * tar in a temporary directory, its launchers run from the unpacked tree alone (its {@code lib/}, nothing of the
 * repository), check its sample configurations, and run a one-node cluster on the embedded Raft store that becomes
 * leader and stops cleanly on SIGTERM, as systemd stops it.
 */
class PackagingTest {
    private static final Path HOME = Path.of("").toAbsolutePath().getParent();
    private static final Path TARBALL = Path.of(System.getProperty("regent.dist", "regent.dist-not-set"));
    private static final java.util.Set<PosixFilePermission> OPEN_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
    private static Path dir;
    private static Path tree;

    record Run(int code, String out) {}

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(TARBALL).as("mvn package made the distribution before this test").isRegularFile();
        // readable by all: run as root, the node runs PostgreSQL as the postgres user, which must reach its data
        dir = Files.createTempDirectory("regent-packaging", PosixFilePermissions.asFileAttribute(OPEN_DIR));
        Run untar = run(dir, List.of("tar", "-xzf", TARBALL.toString(), "-C", dir.toString()));
        assertThat(untar.code()).as(untar.out()).isZero();
        String base = TARBALL.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
        tree = dir.resolve(base);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir == null) return;
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theTarballHoldsLaunchersLibrariesSampleConfigsAndTheSystemdUnit() throws Exception {
        assertThat(tree).isDirectory();
        assertThat(tree.resolve("bin/regent")).isExecutable();
        assertThat(tree.resolve("bin/regentctl")).isExecutable();
        try (var libs = Files.list(tree.resolve("lib"))) {
            List<String> jars = libs.map(p -> p.getFileName().toString()).toList();
            assertThat(jars).anyMatch(j -> j.matches("regent-daemon-.+\\.jar"))
                    .anyMatch(j -> j.matches("regent-ctl-.+\\.jar")).anyMatch(j -> j.startsWith("postgresql-"))
                    .anyMatch(j -> j.startsWith("picocli-")).anyMatch(j -> j.startsWith("ratis-server-"));
            // one version of each library: two would put both on the classpath in an unknown order
            assertThat(jars.stream().map(j -> j.replaceFirst("-\\d[^-]*(-[A-Za-z0-9_.]+)?\\.jar$", "")).distinct()
                    .count()).as(String.join(" ", jars)).isEqualTo(jars.size());
        }
        assertThat(tree.resolve("etc/regent.yml")).isRegularFile();
        assertThat(tree.resolve("etc/regent-raft.yml")).isRegularFile();
        assertThat(tree.resolve("deploy/systemd/regent.service")).hasSameTextualContentAs(
                HOME.resolve("deploy/systemd/regent.service"));
        assertThat(tree.resolve("deploy/grafana/regent-dashboard.json")).isRegularFile();
        assertThat(tree.resolve("README.md")).isRegularFile();
    }

    @Test
    void theLaunchersUseTheSameJvmFlagsAsTheRepositorysOnes() throws Exception {
        List<String> packaged = jvmFlags(tree.resolve("bin/regent"));
        assertThat(packaged).isEqualTo(JvmFlags.NODE).isEqualTo(jvmFlags(HOME.resolve("bin/regent")));
        assertThat(jvmFlags(tree.resolve("bin/regentctl"))).isNotEmpty()
                .isEqualTo(jvmFlags(HOME.resolve("bin/regentctl")));
    }

    /** The {@code -X...} flags of a launcher's {@code exec java} command, in order. */
    private static List<String> jvmFlags(Path launcher) throws IOException {
        String script = Files.readString(launcher).replace("\\\n", " ");
        String exec = script.lines().filter(l -> l.startsWith("exec ")).findFirst().orElseThrow();
        return Arrays.stream(exec.split("\\s+")).filter(t -> t.startsWith("-X")).toList();
    }

    @Test
    void theSampleConfigsPassValidationByTheUnpackedLauncher() throws Exception {
        // (both launchers also run the node and regentctl list below; each JVM start costs CPU the suite lacks)
        for (String sample : List.of("etc/regent.yml", "etc/regent-raft.yml")) {
            Run valid = launcher("regent", "--validate-config", tree.resolve(sample).toString());
            assertThat(valid.code()).as(sample + "\n" + valid.out()).isZero();
            assertThat(valid.out()).contains(sample + ": valid");
        }
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "scope: x\nname: n\nrestapi:\n  listen: nowhere\n");
        Run invalid = launcher("regent", "--validate-config", bad.toString());
        assertThat(invalid.code()).as(invalid.out()).isEqualTo(1);
    }

    @Test
    void aOneNodeClusterOnRaftRunsFromTheUnpackedTreeBecomesLeaderAndStops() throws Exception {
        Path cluster = Files.createDirectories(dir.resolve("cluster"), PosixFilePermissions.asFileAttribute(OPEN_DIR));
        NodeConfigWriter layout = NodeConfigWriter.onRaft("pkg", cluster, 1, FreePorts.one(), "pkg-raft-secret",
                FreePorts.one(), FreePorts.one(), 10, 1, 4);
        Path config = cluster.resolve("node0.yml");
        Files.createDirectories(cluster.resolve("node0"), PosixFilePermissions.asFileAttribute(OPEN_DIR));
        Files.writeString(config, layout.yaml(0));
        // started through a symlink, as from /usr/local/bin: the launcher finds lib/ by the link's target
        Path links = Files.createDirectories(dir.resolve("links"));
        Path regent = Files.createSymbolicLink(links.resolve("regent"), tree.resolve("bin/regent"));
        Path log = cluster.resolve("node0.log");
        ProcessBuilder pb = new ProcessBuilder(regent.toString(), config.toString()).directory(cluster.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        environment(pb);
        // the archive built at once and at normal priority: at nice 19 a loaded machine may starve the dump for minutes
        pb.environment().put("REGENT_JAVA_OPTS", "-Dregent.cds.delay=0 -Dregent.cds.nice=0");
        Process node = pb.start();
        try {
            String primary = "http://127.0.0.1:" + layout.restPort(0) + "/primary";
            // generous: on a loaded 2-core machine the JVM, Raft, initdb and the first start took 80 s
            awaitStatus(primary, 200, Duration.ofSeconds(240), node, log);
            // a separate JVM builds the class-data-sharing archive after the node's first HA cycle (README "Memory
            // and JVM flags"); awaited first, so that it does not compete with regentctl for the CPU
            awaitArchive(Duration.ofSeconds(180), node, log);
            Run list = run(cluster, List.of(tree.resolve("bin/regentctl").toString(), "-c", config.toString(),
                    "list"));
            assertThat(list.code()).as(list.out()).isZero();
            assertThat(list.out()).containsPattern("\\| node0 +\\| 127\\.0\\.0\\.1:" + layout.pgPort(0)
                    + " +\\| Leader +\\| running");
            assertThat(layout.dataDir(0).resolve("postmaster.pid")).exists();
            node.destroy();  // SIGTERM to the JVM (the launcher exec'd it): what systemctl stop sends
            assertThat(node.waitFor(120, TimeUnit.SECONDS)).as("stopped on SIGTERM\n" + tail(log)).isTrue();
            assertThat(layout.dataDir(0).resolve("postmaster.pid")).as("PostgreSQL stopped with it\n" + tail(log))
                    .doesNotExist();
        } finally {
            if (node.isAlive()) {
                node.destroyForcibly();
                node.waitFor(30, TimeUnit.SECONDS);
            }
            stopPostmaster(layout.dataDir(0));
        }
        classArchiveMapsAndATruncatedOrStaleOneNeverBreaksAStart();
    }

    /**
     * The archive the node had built maps: the launcher's node class comes from it ({@code -Xshare:on} would also fail
     * the start otherwise); {@code REGENT_CDS=off} leaves it out. Truncated (mapping it would crash the JVM) or older
     * than a jar, the launcher deletes it; changed otherwise, the JVM runs without it. Either way the output is the
     * same.
     */
    private static void classArchiveMapsAndATruncatedOrStaleOneNeverBreaksAStart() throws Exception {
        Path jsa = archive().orElseThrow();
        byte[] whole = Files.readAllBytes(jsa);
        String sample = tree.resolve("etc/regent.yml").toString();
        List<String> validate = List.of(tree.resolve("bin/regent").toString(), "--validate-config", sample);
        String classLoad = "-Xlog:class+load=info:file=" + dir.resolve("class-load.log");
        Run mapped = run(dir, validate, "-Xshare:on " + classLoad, "on");
        assertThat(mapped.code()).as(mapped.out()).isZero();
        assertThat(mapped.out().strip()).isEqualTo(sample + ": valid");
        assertThat(Files.readString(dir.resolve("class-load.log")))
                .contains("dev.regent.daemon.Main source: shared objects file");
        Run off = run(dir, validate, classLoad, "off");
        assertThat(off.out().strip()).isEqualTo(sample + ": valid");
        assertThat(Files.readString(dir.resolve("class-load.log")))
                .doesNotContain("dev.regent.daemon.Main source: shared objects file");

        Files.write(jsa, java.util.Arrays.copyOf(whole, whole.length / 2));
        Run truncated = run(dir, validate, "", "on");
        assertThat(truncated.code()).as(truncated.out()).isZero();
        assertThat(truncated.out().strip()).isEqualTo(sample + ": valid");
        assertThat(archive()).isEmpty();

        Files.write(jsa, whole);
        Path jar;
        try (var jars = Files.list(tree.resolve("lib"))) {
            jar = jars.filter(f -> f.getFileName().toString().startsWith("snakeyaml")).findFirst().orElseThrow();
        }
        // changed, yet older than the archive: the launcher keeps it, the JVM's own check rejects it
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jsa).toMillis() - 60_000));
        Run stale = run(dir, validate, "", "on");
        assertThat(stale.code()).as(stale.out()).isZero();
        assertThat(stale.out().strip()).isEqualTo(sample + ": valid");
        assertThat(run(dir, validate, "-Xshare:on", "on").code()).as("the JVM found the archive stale").isNotZero();
        assertThat(jsa).exists();
        // newer than the archive: deleted (the next node start has a new one built)
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis()));
        Run dropped = run(dir, validate, "", "on");
        assertThat(dropped.out().strip()).isEqualTo(sample + ": valid");
        assertThat(archive()).isEmpty();
    }

    /** The archive in the tree's lib/, named regent-daemon.SIZE.jsa. */
    private static java.util.Optional<Path> archive() throws IOException {
        try (var files = Files.list(tree.resolve("lib"))) {
            return files.filter(f -> f.getFileName().toString().matches("regent-daemon\\.[0-9]+\\.jsa")).findFirst();
        }
    }

    private static Path awaitArchive(Duration timeout, Process node, Path log) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (archive().isEmpty() && System.nanoTime() < deadline) {
            assertThat(node.isAlive()).as("the node exited:\n" + tail(log)).isTrue();
            Thread.sleep(200);
        }
        return archive().orElseThrow(() -> new AssertionError("no archive built\n" + tail(log)));
    }

    private static void awaitStatus(String url, int status, Duration timeout, Process node, Path log)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            assertThat(node.isAlive()).as("the node exited:\n" + tail(log)).isTrue();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == status) return;
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("GET " + url + " did not answer " + status + " within " + timeout + " (" + last
                + ")\n" + tail(log));
    }

    /** A postmaster left behind by a failed run (the node killed): killed, as LocalCluster does. */
    private static void stopPostmaster(Path dataDir) throws Exception {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return;
        String pid = Files.readAllLines(pidFile).get(0).trim();
        new ProcessBuilder("kill", "-9", pid).start().waitFor(30, TimeUnit.SECONDS);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static Run launcher(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tree.resolve("bin").resolve(name).toString()));
        cmd.addAll(List.of(args));
        return run(dir, cmd);
    }

    private static void environment(ProcessBuilder pb) {
        // the JDK running the tests, as a user's PATH would give one; HOME apart so nothing lands in the real one
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        pb.environment().put("HOME", dir.toString());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("REGENT_JAVA_OPTS");
        pb.environment().remove("REGENT_CDS");
    }

    private static Run run(Path cwd, List<String> cmd) throws Exception {
        return run(cwd, cmd, "", "on");
    }

    private static Run run(Path cwd, List<String> cmd, String javaOpts, String cds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        environment(pb);
        if (!javaOpts.isEmpty()) pb.environment().put("REGENT_JAVA_OPTS", javaOpts);
        pb.environment().put("REGENT_CDS", cds);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(cmd + " finished").isTrue();
        return new Run(p.exitValue(), out);
    }
}
