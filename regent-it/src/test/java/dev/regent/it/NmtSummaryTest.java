package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link NmtSummary} on the output of JDK 17's {@code jcmd PID VM.native_memory summary}. */
class NmtSummaryTest {
    private static final String OUTPUT = """
            15167:

            Native Memory Tracking:

            (Omitting categories weighting less than 1KB)

            Total: reserved=1446940KB, committed=83916KB
                   malloc: 5056KB #62251
                   mmap:   reserved=1441884KB, committed=78860KB

            -                 Java Heap (reserved=49152KB, committed=49152KB)
                                        (mmap: reserved=49152KB, committed=49152KB)\s
            \s
            -                     Class (reserved=1048797KB, committed=1373KB)
                                        (classes #2492)
                                        (  Class space:)
                                        (    reserved=1048576KB, committed=1152KB)
            \s
            -                    Thread (reserved=14375KB, committed=839KB)
                                        (thread #14)
                                        (stack: reserved=14336KB, committed=800KB)
                                        (malloc=24KB #88) (peak=32KB #92)\s
            \s
            -                      Code (reserved=247864KB, committed=7724KB)
            \s
            -    Native Memory Tracking (reserved=984KB, committed=984KB)
                                        (tracking overhead=973KB)
            \s
            -                     Other (reserved=10KB, committed=10KB)
                                        (malloc=10KB #2) (at peak)\s
            """;

    @Test
    void readsCommittedPerAreaThreadsAndStacks() {
        NmtSummary s = NmtSummary.parse(OUTPUT);
        assertThat(s.totalCommittedKb()).isEqualTo(83916);
        assertThat(s.committedKb().keySet()).containsExactly("Java Heap", "Class", "Thread", "Code",
                "Native Memory Tracking", "Other");
        assertThat(s.committed("Java Heap")).isEqualTo(49152);
        assertThat(s.committed("Class")).as("the area line, not the class space line under it").isEqualTo(1373);
        assertThat(s.committed("Code")).isEqualTo(7724);
        assertThat(s.committed("GC")).isZero();
        assertThat(s.threads()).isEqualTo(14);
        assertThat(s.stackCommittedKb()).isEqualTo(800);
    }

    @Test
    void saysSoWhenTrackingIsOff() {
        assertThatThrownBy(() -> NmtSummary.parse("4711:\nNative memory tracking is not enabled\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not enabled");
    }
}
