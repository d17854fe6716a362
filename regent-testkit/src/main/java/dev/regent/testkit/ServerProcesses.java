package dev.regent.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the test kit's wrappers of real servers (HAProxy, Prometheus) share: stopping a process and its temp dir. */
final class ServerProcesses {
    private ServerProcesses() {}

    /**
     * SIGTERM, then SIGKILL if the process has not ended within {@code grace}; then delete {@code dir} (best effort:
     * a leftover temp dir must not fail the test run).
     */
    static void stop(Process process, Duration grace, Path dir) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        delete(dir);
    }

    /** Delete {@code dir} and everything in it, best effort. */
    static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // nothing to delete, or gone already
        }
    }

    /** Thread.sleep that turns an interrupt into an unchecked failure (the interrupt flag kept). */
    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
