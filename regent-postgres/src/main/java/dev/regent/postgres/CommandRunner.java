package dev.regent.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs PostgreSQL binaries. PostgreSQL refuses to run as root, so when the JVM runs as root every command is wrapped
 * in {@code setpriv --reuid=postgres --regid=postgres --init-groups --} (which keeps the environment, e.g. PGPASSFILE),
 * and files the server needs are chowned to that user. Thread-safe; {@link #run} blocks until the command exits or
 * its timeout passes (then the process tree is killed).
 */
public final class CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
    /** The OS user PostgreSQL runs as when the JVM is root. */
    public static final String PG_OS_USER = "postgres";

    private final boolean asRoot;

    /** Exit code and combined stdout+stderr of one finished command. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public CommandRunner() {
        this.asRoot = "root".equals(System.getProperty("user.name"));
        if (asRoot) {
            requireOsUser();
        }
    }

    /** True when commands are run as the {@code postgres} OS user because the JVM is root. */
    public boolean switchesUser() {
        return asRoot;
    }

    /** The command line with the user switch prepended when needed. */
    public List<String> wrap(List<String> command) {
        if (!asRoot) {
            return List.copyOf(command);
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + PG_OS_USER, "--regid=" + PG_OS_USER,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Runs a PostgreSQL binary as the PostgreSQL OS user, waiting at most {@code timeout}.
     *
     * @param env   extra environment variables (added to the JVM's)
     * @param stdin text fed to standard input, or null for /dev/null
     * @return exit code and output; a timeout yields exit code -1 after killing the process tree
     */
    public Result run(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        return exec(wrap(command), env, stdin, timeout);
    }

    /** Runs a command as the JVM's own user (callbacks, {@code kill}). Same contract as {@link #run}. */
    public Result runAsSelf(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        return exec(command, env, stdin, timeout);
    }

    private Result exec(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        ChildEnvironment.scrub(pb.environment());
        pb.environment().putAll(env);
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        LOG.debug("running {}", command);
        Process p = null;
        try {
            p = pb.start();
            Process started = p;
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(started));
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyTree(p);
                return new Result(-1, "timed out after " + timeout + ": " + out.getNow(""));
            }
            return new Result(p.exitValue(), out.join());
        } catch (IOException e) {
            throw new PostgresException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            // a cancelled long command (a replica method, a restore) must not run on behind the caller's back
            destroyTree(p);
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted while running " + command, e);
        }
    }

    private static void destroyTree(Process p) {
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static String readAll(Process p) {
        try (var in = p.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a command and throws a {@link PostgresException} naming it and its output when it does not exit 0. */
    public String check(String what, List<String> command, Map<String, String> env, Duration timeout) {
        Result r = run(command, env, null, timeout);
        if (!r.ok()) {
            throw new PostgresException(what + " failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
        return r.output();
    }

    /**
     * Creates {@code dir} (and parents) when missing, mode 0700, owned recursively by the PostgreSQL OS user.
     */
    public void ensureOwnedDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            chownRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare directory " + dir, e);
        }
    }

    /** Chowns a file or directory tree to the PostgreSQL OS user (no-op unless the JVM is root). */
    public void chownRecursively(Path path) {
        if (!asRoot || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            var user = lookup.lookupPrincipalByName(PG_OS_USER);
            var group = lookup.lookupPrincipalByGroupName(PG_OS_USER);
            for (Path p : (Iterable<Path>) all::iterator) {
                var view = Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot chown " + path + " to " + PG_OS_USER, e);
        }
    }

    /** Writes a text file with the given permissions, owned by the PostgreSQL OS user. */
    public void writeOwnedFile(Path file, String content, Set<PosixFilePermission> perms) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, perms);
            chownRecursively(tmp);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void requireOsUser() {
        try {
            java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(PG_OS_USER);
        } catch (IOException e) {
            throw new PostgresException("running as root, but there is no OS user '" + PG_OS_USER
                    + "' to run PostgreSQL as (PostgreSQL refuses to run as root); create it or run as another user");
        }
    }
}
