package dev.regent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data-sharing archive built by a separate JVM from a class list, the flags for the demo's nodes and which
 * archive counts as whole (the archive written by a real node through the launcher and mapped: PackagingTest).
 */
class ClassArchiveTest {
    private static final String JAVA = ProcessHandle.current().info().command().orElseThrow();

    @TempDir
    Path dir;

    @Test
    void aSeparateJvmBuildsAnArchiveThatMapsAndNoTempFileIsLeft() throws Exception {
        Path jar = Path.of(org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path list = dir.resolve("regent-daemon.classlist.tmp-1");
        // the last line is still being written by the listing JVM: left out
        Files.writeString(list, "java/lang/Object\norg/slf4j/Logger\norg/slf4j/LoggerFac");
        Optional<Path> archive = ClassArchive.build(list, JAVA, jar.toString());
        assertThat(archive).isPresent();
        assertThat(archive.get().getFileName().toString()).isEqualTo("regent-daemon." + Files.size(archive.get())
                + ".jsa");
        assertThat(ClassArchive.whole(dir)).contains(archive.get());
        assertThat(names()).containsExactlyInAnyOrder(archive.get().getFileName().toString(), "regent-daemon.jsa.lock");

        // -Xshare:on fails the start when the archive does not map; the logger interface comes from it
        Process p = new ProcessBuilder(JAVA, "-Xshare:on", "-XX:SharedArchiveFile=" + archive.get(),
                "-Xlog:class+load=info", "-cp", jar.toString(), "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("java.lang.Object source: shared objects file");

        // another node's archive is there: nothing more is built
        Path again = dir.resolve("regent-daemon.classlist.tmp-2");
        Files.writeString(again, "java/lang/Object\n");
        assertThat(ClassArchive.build(again, JAVA, jar.toString())).isEmpty();
        assertThat(again).doesNotExist();
    }

    @Test
    void aFailedDumpLeavesNoArchiveAndNoTempFile() throws Exception {
        Path list = dir.resolve("regent-daemon.classlist.tmp-1");
        // a line the dumping JVM cannot parse: it exits non-zero ("class list format error")
        Files.writeString(list, "java/lang/Object\n@lambda-proxy garbage\n");
        Path jar = Path.of(org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(ClassArchive.build(list, JAVA, jar.toString())).isEmpty();
        assertThat(names()).containsExactly("regent-daemon.jsa.lock");
    }

    @Test
    void onlyAnArchiveOfTheLengthItsNameSaysIsWhole() throws Exception {
        Files.write(dir.resolve("regent-daemon.5.jsa"), new byte[4]); // truncated
        Files.write(dir.resolve("regent-daemon.x.jsa"), new byte[1]);
        assertThat(ClassArchive.whole(dir)).isEmpty();
        Files.write(dir.resolve("regent-daemon.5.jsa"), new byte[5]);
        assertThat(ClassArchive.whole(dir)).contains(dir.resolve("regent-daemon.5.jsa"));
    }

    @Test
    void theDemosNodesMapAWholeArchiveOrListTheirClassesForOne() throws Exception {
        assertThat(ClassArchive.nodeFlags(null, "node0.yml")).isEmpty();
        assertThat(ClassArchive.nodeFlags(" ", "node0.yml")).isEmpty();
        Path list = dir.resolve("regent-daemon.classlist.tmp-" + ProcessHandle.current().pid() + "-node0.yml");
        assertThat(ClassArchive.nodeFlags(dir.toString(), "node0.yml")).containsExactly("-Xshare:auto",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:DumpLoadedClassList=" + list,
                "-D" + ClassArchive.PROPERTY + "=" + list);
        Path jsa = Files.write(dir.resolve("regent-daemon.3.jsa"), new byte[3]);
        assertThat(ClassArchive.nodeFlags(dir.toString(), "node0.yml")).containsExactly("-Xshare:auto",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:SharedArchiveFile=" + jsa);
    }

    @Test
    void onlyCompleteLinesAreCopied() {
        assertThat(ClassArchive.completeLines("a\nb\nc".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("a\nb\n".getBytes(StandardCharsets.UTF_8));
        assertThat(ClassArchive.completeLines("abc".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    private List<String> names() throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }
}
