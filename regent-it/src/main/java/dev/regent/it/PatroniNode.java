package dev.regent.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One real Patroni daemon (Debian's {@code /usr/bin/patroni}, 3.0.2 on bookworm) run as a separate process from a
 * Patroni YAML, e.g. one written by {@link dev.regent.daemon.demo.NodeConfigWriter}. The PostgreSQL binaries are
 * taken from {@code pg_config --bindir} and written into {@code postgresql.bin_dir}. As PostgreSQL refuses to run as
 * root, a root JVM runs Patroni as the {@code postgres} OS user (via {@code setpriv}) and hands it the node
 * directory. Output goes to {@code <nodeDir>/patroni.log}. Not thread-safe.
 */
public final class PatroniNode extends ManagedProcess {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final String name;
    private final Path config;
    private final Path nodeDir;

    private PatroniNode(String name, Path config, Path nodeDir) {
        super(nodeDir.resolve("patroni.log"));
        this.name = name;
        this.config = config;
        this.nodeDir = nodeDir;
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

    /** {@code patroni CONFIG} (as the postgres user when we are root). */
    @Override
    ProcessBuilder command() {
        List<String> cmd = new ArrayList<>();
        if (ROOT) cmd.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        cmd.addAll(List.of("/usr/bin/patroni", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(nodeDir.toFile());
        if (ROOT) {
            pb.environment().put("HOME", nodeDir.toString());
            pb.environment().put("USER", "postgres");
        }
        return pb;
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
