package dev.regent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real Patroni daemon (Debian's {@code /usr/bin/patroni}, 3.0.2 on bookworm) run as a separate process from a
 * Patroni YAML, e.g. one written by {@link dev.regent.daemon.demo.NodeConfigWriter}. The PostgreSQL binaries are
 * taken from {@code pg_config --bindir} and written into {@code postgresql.bin_dir}. As PostgreSQL refuses to run as
 * root, a root JVM runs Patroni as the {@code postgres} OS user (via {@code setpriv}) and hands it the node
 * directory. Output goes to {@code <nodeDir>/patroni.log}. Not thread-safe.
 */
public final class PatroniNode implements AutoCloseable {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final String name;
    private final Path config;
    private final Path nodeDir;
    private final Path log;
    private Process process;

    private PatroniNode(String name, Path config, Path nodeDir) {
        this.name = name;
        this.config = config;
        this.nodeDir = nodeDir;
        this.log = nodeDir.resolve("patroni.log");
    }

    /**
     * Prepare node {@code name}: writes {@code <nodeDir>/patroni.yml} = {@code yaml} plus {@code bin_dir}, and makes
     * {@code nodeDir} (and its parent's traversal) usable by the postgres user. Does not start it.
     */
    public static PatroniNode create(String name, String yaml, Path nodeDir) throws IOException {
        Files.createDirectories(nodeDir);
        Path cfg = nodeDir.resolve("patroni.yml");
        Files.writeString(cfg, withBinDir(yaml, pgBinDir()));
        if (ROOT) chownRecursively(nodeDir, "postgres");
        return new PatroniNode(name, cfg, nodeDir);
    }

    /** Insert {@code bin_dir} as the first key of the top-level {@code postgresql:} section. */
    static String withBinDir(String yaml, String binDir) {
        String marker = "\npostgresql:\n";
        int at = yaml.indexOf(marker);
        if (at < 0) throw new IllegalArgumentException("the YAML has no top-level 'postgresql:' section");
        int insert = at + marker.length();
        return yaml.substring(0, insert) + "  bin_dir: " + binDir + "\n" + yaml.substring(insert);
    }

    public String name() {
        return name;
    }

    public Path config() {
        return config;
    }

    public Path log() {
        return log;
    }

    /** Start {@code patroni CONFIG} (as the postgres user when we are root). */
    public void start() throws IOException {
        List<String> cmd = new ArrayList<>();
        if (ROOT) cmd.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        cmd.addAll(List.of("/usr/bin/patroni", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).directory(nodeDir.toFile());
        if (ROOT) {
            pb.environment().put("HOME", nodeDir.toString());
            pb.environment().put("USER", "postgres");
        }
        process = pb.start();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL Patroni only (its postgres keeps running, as after a crash of the manager). */
    public void kill9() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait: Patroni stops postgres and releases the leader key; SIGKILL after 60 s. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) return;
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

    /** {@code pg_config --bindir}. */
    public static String pgBinDir() {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || out.isEmpty()) throw new IllegalStateException("pg_config --bindir failed: " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run pg_config (is PostgreSQL installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void chownRecursively(Path dir, String user) throws IOException {
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        var owner = users.lookupPrincipalByName(user);
        var group = users.lookupPrincipalByGroupName(user);
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.setOwner(p, owner);
                Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(group);
            }
        }
    }

    @Override
    public String toString() {
        return "patroni " + name + " (" + config + ")";
    }
}
