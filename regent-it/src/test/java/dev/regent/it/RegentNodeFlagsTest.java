package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link RegentNode#addJvmFlags}: a flag for one node only, after those every daemon gets. */
class RegentNodeFlagsTest {
    @Test
    void ownFlagsGoToThatNodeOnlyAndComeLast() {
        RegentNode measured = new RegentNode("node0", Path.of("node0.yml"), Path.of("node0/regent.log"));
        RegentNode other = new RegentNode("node1", Path.of("node1.yml"), Path.of("node1/regent.log"));
        int shared = other.extraJvmFlags().size();
        measured.addJvmFlags("-XX:NativeMemoryTracking=summary");
        assertThat(measured.extraJvmFlags()).endsWith("-XX:NativeMemoryTracking=summary").hasSize(shared + 1);
        assertThat(other.extraJvmFlags()).doesNotContain("-XX:NativeMemoryTracking=summary");
    }
}
