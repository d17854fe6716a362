package dev.regent.postgres;

import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process control of one postmaster: detached start, liveness from {@code postmaster.pid}, signals. Package-private
 * helper of {@link Postgresql}, which serializes the calls that change state.
 */
final class Postmaster {
    private static final Logger LOG = LoggerFactory.getLogger(Postmaster.class);
    private static final long POLL_MS = 100;
    /** How often a stop looks whether a postmaster it did not start is gone (one read of /proc/PID/stat). */
    private static final long STOP_POLL_MS = 10;

    private final Path dataDir;
    private final CommandRunner runner;
    private final Ticker ticker;
    private final Sleeper sleeper;
    /** Kept so the JVM reaps the child when it exits (otherwise a zombie would look alive). */
    private volatile Process child;

    Postmaster(Path dataDir, CommandRunner runner, Ticker ticker, Sleeper sleeper) {
        this.dataDir = dataDir;
        this.runner = runner;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    /** Log file receiving the postmaster's stdout/stderr. */
    Path logFile() {
        return dataDir.resolve("postmaster.log");
    }

    /** The postmaster pid when postmaster.pid names a live process, else empty. */
    Optional<Long> pid() {
        List<String> lines = pidFileLines();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(lines.get(0).strip());
            return isLive(pid) ? Optional.of(pid) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code pid} names a running process, read in one step from /proc/PID/stat: absent (exited and reaped)
     * and state Z or X (exited, not reaped yet) are not running. After a kill -9 of the postmaster, postmaster.pid
     * stays and names such a zombie until its parent reaps it; taking it for a live postmaster that does not answer
     * made the leader look "still starting up" and then "failed to start" (it released the lock instead of restarting
     * postgres in place). One read, not an "is it alive" followed by an "is it a zombie": the parent may reap the
     * zombie between the two, and a missing /proc entry then looked like a live process ("postgres is already
     * running" right after the kill). Without /proc: the JDK's view.
     */
    static boolean isLive(long pid) {
        if (!Files.isDirectory(PROC_SELF)) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');  // the command name in parentheses may contain spaces and ')'
            if (end <= 0 || end + 2 >= stat.length()) {
                return true;  // unreadable format: do not call a process dead on a guess
            }
            char state = stat.charAt(end + 2);
            return state != 'Z' && state != 'X' && state != 'x';
        } catch (IOException e) {
            return false;  // no /proc/PID: gone
        }
    }

    private static final Path PROC_SELF = Path.of("/proc/self");

    /**
     * Waits up to {@code grace} for the postmaster named by postmaster.pid to be gone.
     *
     * @return true when no postmaster runs (any more)
     */
    boolean awaitGone(Duration grace) {
        try {
            return Deadline.after(ticker, grace).await(() -> pid().isEmpty(), Duration.ofMillis(20), sleeper);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return pid().isEmpty();
        }
    }

    /** postmaster.pid line 8 (PG10+): "starting", "ready", "standby" or "stopping"; "" when unknown. */
    String pmStatus() {
        List<String> lines = pidFileLines();
        return lines.size() >= 8 ? lines.get(7).strip() : "";
    }

    /** Running and accepting connections ("ready" or "standby" in postmaster.pid). */
    boolean acceptsConnections() {
        String s = pmStatus();
        return pid().isPresent() && ("ready".equals(s) || "standby".equals(s));
    }

    private List<String> pidFileLines() {
        try {
            return Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Launches {@code command} in its own session ({@code setsid}), stdin from /dev/null and output appended to
     * {@link #logFile()}, so it survives the JVM; then waits until it accepts connections, exits, or the timeout.
     *
     * @return true when accepting connections, false when still starting at the timeout
     * @throws PostgresException when the process exits during start-up (with the log's tail)
     */
    boolean start(List<String> command, Duration timeout) {
        awaitOrphansDetached(timeout);
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute() || new File("/bin/setsid").canExecute()) {
            cmd.add("setsid");
        }
        cmd.addAll(runner.wrap(command));
        long logStart;
        try {
            Path log = logFile();
            if (!Files.exists(log)) {
                Files.createFile(log);
            }
            logStart = Files.size(log);
            runner.chownRecursively(log);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true);
            ChildEnvironment.scrub(pb.environment());
            pb.environment().put("LANG", "C");
            LOG.info("starting postgres: {}", command);
            child = pb.start();
        } catch (IOException e) {
            throw new PostgresException("cannot start postgres " + command + ": " + e.getMessage(), e);
        }
        Process started = child;
        return await(timeout, () -> {
            if (!started.isAlive()) {
                String fatal = fatalLines(logStart);
                throw new PostgresException("postgres exited with code " + started.exitValue() + " during start-up"
                        + (fatal.isEmpty() ? "" : ", refusing to start with: " + fatal) + "; log " + logFile()
                        + " ends with:\n" + logTail());
            }
            return acceptsConnections();
        });
    }

    /**
     * After a postmaster died (kill -9, OOM killer), its children go on holding its shared memory until they notice
     * and exit, and a new postmaster refuses to start meanwhile ("pre-existing shared memory block ... is still in
     * use"): the HA loop would count that as a failed start and give the leader lock up. Waits, up to {@code max},
     * until no process is attached to the segment named in postmaster.pid (its line 7, PostgreSQL's own check); the
     * children need moments, longer only on a loaded machine. Without a postmaster.pid, with a live postmaster, or
     * without /proc/sysvipc/shm, nothing to wait for.
     */
    void awaitOrphansDetached(Duration max) {
        if (pid().isPresent()) return;
        List<String> lines = pidFileLines();
        if (lines.size() < 7) return;
        String[] key = lines.get(6).strip().split("\\s+");
        if (key.length < 2) return;
        String shmid = key[1];
        long attached = attachedTo(shmid);
        if (attached <= 0) return;
        LOG.info("waiting for {} process(es) of the previous postmaster to detach from its shared memory", attached);
        try {
            boolean gone = Deadline.after(ticker, max).await(() -> attachedTo(shmid) <= 0, Duration.ofMillis(20),
                    sleeper);
            if (!gone) LOG.warn("processes of the previous postmaster still hold its shared memory");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** nattch of the System V segment {@code shmid} in /proc/sysvipc/shm; 0 when absent or unreadable. */
    static long attachedTo(String shmid) {
        try {
            for (String row : Files.readAllLines(Path.of("/proc/sysvipc/shm"))) {
                String[] f = row.strip().split("\\s+");
                if (f.length > 6 && f[1].equals(shmid)) return Long.parseLong(f[6]);
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /**
     * Sends {@code mode}'s signal and waits until the postmaster is gone.
     *
     * @return true when stopped (or was not running), false when still running at the timeout
     */
    boolean stop(StopMode mode, Duration timeout) {
        Optional<Long> pid = pid();
        if (pid.isEmpty()) {
            return true;
        }
        signal(pid.get(), mode.signal());
        // A switchover's writes stop at this shutdown and resume only after the lock is released, which waits for
        // this return: a postmaster this daemon started is awaited through the JDK's reaper (it returns the moment
        // it exits), any other is polled at a short interval rather than the start's.
        Process own = child;
        if (own != null && own.pid() == pid.get()) {
            try {
                return own.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PostgresException("interrupted while waiting for postgres to stop");
            }
        }
        ProcessHandle handle = ProcessHandle.of(pid.get()).orElse(null);
        try {
            return handle == null || Deadline.after(ticker, timeout).await(() -> !handle.isAlive(),
                    Duration.ofMillis(STOP_POLL_MS), sleeper);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while waiting for postgres to stop");
        }
    }

    /**
     * SIGKILL to the postmaster and every process below it (backends, walsenders, checkpointer): a killed postmaster
     * alone would leave its children holding the shared memory, and the next start would refuse to run. The children
     * are listed before the postmaster dies (they are re-parented after). Waits up to {@code timeout} until the
     * postmaster is gone.
     *
     * @return true when no postmaster runs afterwards
     */
    boolean killWithChildren(Duration timeout) {
        Optional<Long> pid = pid();
        if (pid.isEmpty()) {
            return true;
        }
        List<ProcessHandle> children = ProcessHandle.of(pid.get()).map(h -> h.descendants().toList())
                .orElse(List.of());
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", "KILL", Long.toString(pid.get())));
        children.forEach(c -> cmd.add(Long.toString(c.pid())));
        // kill(1) exits non-zero when one of the children already exited: what counts is that all are gone
        runner.runAsSelf(cmd, Map.of(), null, Duration.ofSeconds(10));
        try {
            return Deadline.after(ticker, timeout).await(() -> pid().isEmpty() && children.stream()
                    .allMatch(c -> !isLive(c.pid())), Duration.ofMillis(20), sleeper);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return pid().isEmpty();
        }
    }

    /** Sends a signal ({@code HUP}, {@code TERM}, ...) to the postmaster; false when it is not running. */
    boolean signal(String signal) {
        Optional<Long> pid = pid();
        pid.ifPresent(p -> signal(p, signal));
        return pid.isPresent();
    }

    private void signal(long pid, String signal) {
        var r = runner.runAsSelf(List.of("kill", "-s", signal, Long.toString(pid)), Map.of(), null,
                Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new PostgresException("kill -s " + signal + " " + pid + " failed: " + r.output().strip());
        }
    }

    /** The FATAL/PANIC lines postgres wrote to its log after byte {@code from} (this start), joined by "; ". */
    String fatalLines(long from) {
        try {
            byte[] all = Files.readAllBytes(logFile());
            String since = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                    java.nio.charset.StandardCharsets.UTF_8);
            return String.join("; ", since.lines().filter(l -> l.contains("FATAL:") || l.contains("PANIC:"))
                    .map(String::strip).toList());
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of the postmaster log, for error messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log at " + logFile() + ")";
        }
    }

    /** Polls {@code done} every {@value #POLL_MS} ms until it holds or {@code timeout} passes. */
    private boolean await(Duration timeout, BooleanSupplier done) {
        try {
            return Deadline.after(ticker, timeout).await(done, Duration.ofMillis(POLL_MS), sleeper);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while waiting for postgres");
        }
    }
}
