package dev.regent.daemon.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.daemon.JvmFlags;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's nodes run with Regent's JVM flags and, as {@code bin/regent} adds them, {@code REGENT_JAVA_OPTS}. */
class DemoNodeCommandTest {
    @Test
    void regentJavaOptsFollowTheNodeFlags() {
        List<String> cmd = Demo.nodeCommand("/jdk/bin/java", "  -XX:NativeMemoryTracking=summary   -Dx=1 ", "a.jar",
                Path.of("/d/node0.yml"));
        int flags = JvmFlags.NODE.size();
        assertThat(cmd.subList(1, 1 + flags)).isEqualTo(JvmFlags.NODE);
        assertThat(cmd.subList(1 + flags, cmd.size())).containsExactly("-XX:NativeMemoryTracking=summary", "-Dx=1",
                "-cp", "a.jar", "dev.regent.daemon.Main", "/d/node0.yml");
    }

    @Test
    void withoutRegentJavaOptsOnlyTheNodeFlags() {
        for (String none : new String[] {null, "", "   "}) {
            List<String> cmd = Demo.nodeCommand("java", none, "a.jar", Path.of("n.yml"));
            assertThat(cmd).hasSize(1 + JvmFlags.NODE.size() + 4).startsWith("java");
        }
    }
}
