package dev.regent.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Regent daemon run as a separate JVM process (like {@code bin/regent CONFIG}), so that {@code kill -9} and
 * crashes are real. Output goes to {@code <dir>/regent.log}. Not thread-safe.
 */
public final class RegentNode implements AutoCloseable {
    private final String name;
    private final Path config;
    private final Path log;
    private Process process;

    public RegentNode(String name, Path config, Path log) {
        this.name = name;
        this.config = config;
        this.log = log;
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** Start the daemon with the current JVM's classpath and small-footprint flags. */
    public void start() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(dev.regent.daemon.JvmFlags.NODE);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.regent.daemon.Main");
        cmd.add(config.toString());
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(dev.regent.daemon.JvmFlags.NODE_ENV);
        process = pb.start();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL the daemon (its postgres keeps running, as with Patroni). */
    public void kill9() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM without waiting (see {@link #stop}). */
    public void requestStop() {
        if (process != null && process.isAlive()) process.destroy();
    }

    /** SIGTERM and wait (the daemon stops postgres and releases the lock). */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill9();
    }

    /** Last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    @Override
    public String toString() {
        return name + " (" + config + ")" + File.separator;
    }
}
