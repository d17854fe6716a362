package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PostmasterWatch} against real processes standing in for a postmaster: a child of this JVM (awaited without
 * polling) and a process this JVM did not start (polled); either way the exit is reported.
 */
class PostmasterWatchTest {
    /** A liveness bound: the exit is reported within a poll or two; the point is that it is reported at all. */
    private static final long REPORT_TIMEOUT_S = 30;

    @Test
    void theExitOfAChildPostmasterIsReported() throws Exception {
        Process child = new ProcessBuilder("sleep", "600").start();
        try {
            assertThat(PostmasterWatch.isChild(child.toHandle())).isTrue();
            assertReportedWhenKilled(child.toHandle());
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void theExitOfAPostmasterThisProcessDidNotStartIsReported() throws Exception {
        // sh starts sleep in the background and exits: sleep is re-parented, not a child of this JVM
        Process sh = new ProcessBuilder("sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!").start();
        long pid = Long.parseLong(new String(sh.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
        sh.waitFor();
        ProcessHandle orphan = ProcessHandle.of(pid).orElseThrow();
        try {
            assertThat(PostmasterWatch.isChild(orphan)).isFalse();
            assertReportedWhenKilled(orphan);
        } finally {
            orphan.destroyForcibly();
        }
    }

    private static void assertReportedWhenKilled(ProcessHandle postmaster) throws Exception {
        CountDownLatch exited = new CountDownLatch(1);
        try (PostmasterWatch watch = new PostmasterWatch(() -> Optional.of(postmaster.pid()), exited::countDown,
                Ticker.SYSTEM, Sleeper.SYSTEM)) {
            watch.start();
            // wait until the watch knows the postmaster (it reports only the exit of a known one)
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(REPORT_TIMEOUT_S);
            while (!watchKnows(watch) && System.nanoTime() < until) Thread.sleep(20);
            assertThat(watchKnows(watch)).as("the watch found the postmaster").isTrue();
            assertThat(exited.getCount()).as("no exit reported while it runs").isEqualTo(1);
            postmaster.destroy();
            assertThat(exited.await(REPORT_TIMEOUT_S, TimeUnit.SECONDS)).as("exit reported").isTrue();
        }
    }

    private static boolean watchKnows(PostmasterWatch watch) {
        return watch.watching() != null;
    }
}
