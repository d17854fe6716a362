package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A postmaster.pid naming a process that exited but was not reaped yet means postgres no longer runs. */
class PostmasterZombieTest {

    @Test
    void aZombieNamedByPostmasterPidIsNotARunningPostmaster(@TempDir Path dataDir) throws Exception {
        // python forks a child that exits at once and is never reaped while the parent sleeps: a real zombie
        Process parent = new ProcessBuilder("python3", "-c",
                "import os, sys, time\n"
                        + "pid = os.fork()\n"
                        + "if pid == 0:\n    os._exit(0)\n"
                        + "print(pid, flush=True)\n"
                        + "time.sleep(60)\n")
                .redirectErrorStream(true).start();
        try {
            long zombie;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
                zombie = Long.parseLong(out.readLine().strip());
                Path stat = Path.of("/proc", Long.toString(zombie), "stat");
                for (int i = 0; i < 200 && !Files.readString(stat).contains(") Z "); i++) Thread.sleep(10);
                assertThat(Files.readString(stat)).as("the child is a zombie").contains(") Z ");
                assertThat(ProcessHandle.of(zombie).map(ProcessHandle::isAlive)).as("the JDK calls it alive")
                        .contains(true);
                Files.writeString(dataDir.resolve("postmaster.pid"),
                        zombie + "\n" + dataDir + "\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001  1\nready   \n");
                Postmaster postmaster = new Postmaster(dataDir, null, Ticker.SYSTEM, Sleeper.SYSTEM);
                assertThat(postmaster.pid()).as("a zombie is no postmaster").isEmpty();
                assertThat(postmaster.acceptsConnections()).isFalse();

                long live = parent.pid();
                Files.writeString(dataDir.resolve("postmaster.pid"),
                        live + "\n" + dataDir + "\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001  1\nready   \n");
                assertThat(postmaster.pid()).as("a live process is one").contains(live);
                assertThat(Postmaster.isLive(zombie)).isFalse();
                assertThat(Postmaster.isLive(live)).isTrue();
            }
        } finally {
            parent.destroyForcibly();
        }
    }

    /**
     * The race CI met: the JDK saw the killed postmaster (a zombie) as existing, its parent reaped it, and the zombie
     * check then found no /proc entry and called it alive ("postgres is already running" right after the kill).
     */
    @Test
    void aReapedProcessNamedByPostmasterPidIsNotARunningPostmaster(@TempDir Path dataDir) throws Exception {
        Process exited = new ProcessBuilder("true").start();
        assertThat(exited.waitFor()).isZero();  // exited and reaped by this JVM
        long gone = exited.pid();
        assertThat(Files.exists(Path.of("/proc", Long.toString(gone)))).as("no /proc entry left").isFalse();
        assertThat(Postmaster.isLive(gone)).isFalse();
        Files.writeString(dataDir.resolve("postmaster.pid"),
                gone + "\n" + dataDir + "\n1700000000\n5432\n/tmp\n127.0.0.1\n  5432001  1\nready   \n");
        assertThat(new Postmaster(dataDir, null, Ticker.SYSTEM, Sleeper.SYSTEM).pid()).isEmpty();
    }
}
