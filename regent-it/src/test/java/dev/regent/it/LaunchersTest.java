package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/regent} and {@code bin/regentctl} share one build of the whole project ({@code bin/_build}). The real
 * launchers run from the build Maven made for this test run; the build-once and refusal checks run the same scripts in
 * a scratch copy of {@code bin/} whose {@code mvn} is a stand-in that records its arguments and links the real build
 * outputs in, so no test makes an extra Maven build.
 */
class LaunchersTest {
    private static final Path HOME = Path.of("").toAbsolutePath().getParent();
    private static final List<String> OUTPUTS = List.of("regent-daemon/target/regent-daemon.jar",
            "regent-daemon/target/lib", "regent-ctl/target/regent-ctl.jar", "regent-ctl/target/lib");

    private Path tree;
    private final List<Process> fakes = new ArrayList<>();

    record Run(int code, String out, String err) {}

    @BeforeEach
    void scratchTree() throws IOException {
        tree = Files.createTempDirectory("regent-launchers");
        Files.createDirectories(tree.resolve("bin"));
        for (String script : List.of("_build", "_cds", "regent", "regentctl")) {
            Files.copy(HOME.resolve("bin").resolve(script), tree.resolve("bin").resolve(script));
        }
        Path fakeBin = Files.createDirectories(tree.resolve("fake-path"));
        StringBuilder links = new StringBuilder();
        for (String out : OUTPUTS) {
            links.append("mkdir -p \"$PWD/").append(Path.of(out).getParent()).append("\"\n")
                    .append("ln -s '").append(HOME.resolve(out)).append("' \"$PWD/").append(out).append("\"\n");
        }
        // Slow enough that two launchers started together overlap in the build.
        Files.writeString(fakeBin.resolve("mvn"), "#!/usr/bin/env bash\necho \"$*\" >> \"$PWD/mvn-calls\"\nsleep 2\n"
                + links, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(fakeBin.resolve("mvn"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : fakes) {
            p.descendants().forEach(ProcessHandle::destroy);  // flock's child holds the lock too
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (var paths = Files.walk(tree)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void bothLaunchersRunFromTheProjectsOneBuild() throws Exception {
        for (String out : OUTPUTS) {
            assertThat(HOME.resolve(out)).as("Maven's package phase ran before this test").exists();
        }
        Run regent = run(HOME, false, "bin/regent", "--version");
        Run ctl = run(HOME, false, "bin/regentctl", "version");
        assertThat(regent.code()).as(regent.toString()).isZero();
        assertThat(regent.out()).startsWith("regent ").contains("Patroni");
        assertThat(ctl.code()).as(ctl.toString()).isZero();
        assertThat(ctl.out()).contains("regentctl version");
        assertThat(regent.err() + ctl.err()).doesNotContain("building");
    }

    @Test
    void twoLaunchersStartedTogetherBuildTheWholeProjectOnce() throws Exception {
        Process a = start(tree, true, "bin/regent", "--version");
        Process b = start(tree, true, "bin/regentctl", "version");
        Run ra = finish(a);
        Run rb = finish(b);
        assertThat(ra.code()).as(ra.toString()).isZero();
        assertThat(rb.code()).as(rb.toString()).isZero();
        assertThat(ra.out()).startsWith("regent ").contains("Patroni");
        assertThat(rb.out()).contains("regentctl version");
        assertThat(Files.readAllLines(tree.resolve("mvn-calls"))).containsExactly("-q -B -DskipTests package");
        assertThat(ra.err() + rb.err()).contains("building the whole project once");
        Run again = run(tree, true, "bin/regentctl", "version");
        assertThat(again.code()).isZero();
        assertThat(Files.readAllLines(tree.resolve("mvn-calls"))).as("no second build").hasSize(1);
    }

    @Test
    void aLauncherRefusesToRebuildUnderANodeHoldingTheRunLock() throws Exception {
        // What bin/regent leaves behind while its JVM runs: a shared lock on .regent-run.lock.
        fakes.add(new ProcessBuilder("flock", "-s", tree.resolve(".regent-run.lock").toString(), "sleep", "300")
                .start());
        awaitLocked(tree.resolve(".regent-run.lock"));
        Run r = run(tree, true, "bin/regentctl", "version");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("build output is missing").contains("refusing to rebuild")
                .contains(".regent-run.lock");
        assertThat(tree.resolve("mvn-calls")).as("Maven never ran").doesNotExist();
    }

    @Test
    void aLauncherRefusesToRebuildUnderAProcessRunningFromTheTreesJars() throws Exception {
        // A node started without the launcher (bin/regent demo's children, a hand-made java -cp): found in /proc.
        Path log = Files.createDirectories(tree.resolve("regent-daemon/target")).resolve("node.log");
        Files.writeString(log, "");
        Process fake = new ProcessBuilder("tail", "-f", log.toString()).start();
        fakes.add(fake);
        Run r = run(tree, true, "bin/regent", "--version");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("refusing to rebuild").contains("pid " + fake.pid());
        assertThat(tree.resolve("mvn-calls")).as("Maven never ran").doesNotExist();
    }

    private static void awaitLocked(Path lock) throws Exception {
        for (int i = 0; i < 100; i++) {
            Process probe = new ProcessBuilder("flock", "-x", "-n", lock.toString(), "true").start();
            if (probe.waitFor() != 0) return;
            Thread.sleep(50);
        }
        throw new AssertionError("the fake node never took " + lock);
    }

    private Process start(Path home, boolean fakeMaven, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, home.resolve(command[0]).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        String path = javaBin + ":" + System.getenv("PATH");
        pb.environment().put("PATH", fakeMaven ? tree.resolve("fake-path") + ":" + path : path);
        return pb.start();
    }

    private static Run finish(Process p) throws Exception {
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private Run run(Path home, boolean fakeMaven, String... command) throws Exception {
        return finish(start(home, fakeMaven, command));
    }
}
