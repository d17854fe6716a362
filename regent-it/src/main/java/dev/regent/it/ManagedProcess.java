package dev.regent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An HA manager run as a separate OS process with its output appended to a log file, so that {@code kill -9} and
 * crashes are real (a Regent daemon or Debian's Patroni). Subclasses say how to launch it. Not thread-safe.
 */
abstract class ManagedProcess implements AutoCloseable {
    private final Path log;
    private Process process;
    private final java.util.Map<String, String> environment = new java.util.HashMap<>();

    ManagedProcess(Path log) {
        this.log = log;
    }

    /** The command to run; its output is redirected to {@link #log()} by {@link #start()}. */
    abstract ProcessBuilder command() throws IOException;

    public Path log() {
        return log;
    }

    /** An environment variable for the process (from the next {@link #start()} on). */
    public void putEnv(String name, String value) {
        environment.put(name, value);
    }

    public void start() throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = command();
        pb.environment().putAll(environment);
        process = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        started(process);
    }

    /** Called once the process runs. */
    void started(Process process) {
    }

    /** True once {@link #start()} ran. */
    public boolean wasStarted() {
        return process != null;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Wait up to {@code timeout} for the process to end by itself; true when it has ended. */
    public boolean awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process != null && process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The exit code of the ended process; throws while it runs. */
    public int exitCode() {
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Send signal {@code name} (e.g. {@code STOP}, {@code CONT}) to the manager's process with kill(1). A process left
     * stopped is continued before {@link #stop} or {@link #requestStop} (a stopped JVM never acts on SIGTERM).
     */
    public void signal(String name) throws IOException, InterruptedException {
        if (process == null) throw new IllegalStateException("not started");
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
        if (name.equals("STOP")) stopped = true;
        if (name.equals("CONT")) stopped = false;
    }

    /** Set by {@link #signal} STOP, cleared by CONT. */
    private volatile boolean stopped;

    private void continueIfStopped() {
        if (!stopped || process == null || !process.isAlive()) return;
        try {
            signal("CONT");
        } catch (IOException e) {
            // the SIGKILL after the timeout of stop() still ends it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL the manager only (its postgres keeps running, as after a crash of the manager). */
    public void kill9() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM without waiting (see {@link #stop}). */
    public void requestStop() {
        continueIfStopped();
        if (process != null && process.isAlive()) process.destroy();
    }

    /** SIGTERM and wait (the manager stops postgres and releases the lock); SIGKILL after 60 s. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        continueIfStopped();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill9();
    }

    /** Last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
