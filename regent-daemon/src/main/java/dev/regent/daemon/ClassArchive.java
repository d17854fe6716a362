package dev.regent.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's class-data-sharing archive (README "Memory and JVM flags"): a static AppCDS archive of the classes a node
 * loads, which later starts map instead of loading, verifying and linking them from the jars again.
 *
 * <p>{@code bin/_cds} starts a node without an archive with {@code -XX:DumpLoadedClassList} (the JVM appends each class
 * as it loads it: no pause) and names that list in {@value #PROPERTY}. Once the node's first HA cycle ran, a daemon
 * thread here copies the list's complete lines and has a separate, low-priority JVM (same java, same class path)
 * build the archive from them ({@code -Xshare:dump}). The node itself never dumps: a dump inside it is a VM operation
 * at a safepoint that stops every thread for seconds, longer than a leader may stall. The archive is written to a temp
 * file, forced to disk and renamed into place as {@code regent-daemon.SIZE.jsa} only once the dumping JVM exited 0:
 * mapping a partial archive crashes the JVM (SIGBUS), so the launcher maps one only when its length is SIZE. Nodes
 * starting at once take turns on a lock file and only the first writes it. Any failure only costs the archive: logged
 * at INFO, never an error.
 */
public final class ClassArchive {
    /** The system property naming the class list this JVM writes ({@code -XX:DumpLoadedClassList}). */
    public static final String PROPERTY = "regent.cds.classlist";
    /** The system property naming the archive directory for the nodes {@code regent demo} starts. */
    public static final String DIR_PROPERTY = "regent.cds.dir";
    /** Archive names: {@code regent-daemon.SIZE.jsa}. */
    static final String PREFIX = "regent-daemon.";
    static final String SUFFIX = ".jsa";
    /**
     * Seconds after the first HA cycle (the first REST requests and replication checks have loaded their classes),
     * and the dumping JVM's niceness; tests that wait for the archive on a loaded machine set both to 0.
     */
    private static final long DELAY_SECONDS = Long.getLong("regent.cds.delay", 5);
    private static final int NICE = Integer.getInteger("regent.cds.nice", 19);
    private static final long DUMP_TIMEOUT_MINUTES = 10;
    private static final Logger LOG = LoggerFactory.getLogger(ClassArchive.class);
    private static final AtomicBoolean started = new AtomicBoolean();

    private ClassArchive() {}

    /**
     * The JVM flags for a node JVM this one starts ({@code regent demo}), as {@code bin/_cds} gives a node: map the
     * archive in {@code dir} when there is a whole one, else list the classes for it (list named after {@code tag},
     * unique among the nodes) when {@code dir} is writable. None when {@code dir} is null or blank.
     */
    public static List<String> nodeFlags(String dir, String tag) {
        if (dir == null || dir.isBlank()) return List.of();
        Path d = Path.of(dir);
        List<String> flags = new ArrayList<>(List.of("-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        Optional<Path> archive = whole(d);
        if (archive.isPresent()) {
            flags.add("-XX:SharedArchiveFile=" + archive.get());
        } else if (Files.isWritable(d)) {
            Path list = d.resolve(PREFIX + "classlist.tmp-" + ProcessHandle.current().pid() + "-" + tag);
            flags.addAll(List.of("-XX:DumpLoadedClassList=" + list, "-D" + PROPERTY + "=" + list));
        }
        return flags;
    }

    /** The archive in {@code dir} whose length is the one its name says, if any. */
    static Optional<Path> whole(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                String size = n.substring(PREFIX.length(), n.length() - SUFFIX.length());
                if (size.matches("[0-9]{1,18}") && Files.size(p) == Long.parseLong(size)) return Optional.of(p);
            }
        } catch (IOException e) {
            // no archive to map: the node starts without one
        }
        return Optional.empty();
    }

    /**
     * After the node's first HA cycle: builds the archive, if this JVM lists its classes, once, on its own thread,
     * which first waits with {@code sleeper}.
     */
    public static void afterStart(dev.regent.time.Sleeper sleeper) {
        String list = System.getProperty(PROPERTY);
        if (list == null || list.isBlank() || !started.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> {
            try {
                sleeper.sleep(java.time.Duration.ofSeconds(DELAY_SECONDS));
                build(Path.of(list), javaCommand(), System.getProperty("java.class.path"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "regent-cds");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Builds the archive from the complete lines of {@code list} (the running JVM's class list, deleted here: it is
     * not needed once copied) with a separate JVM {@code java} on {@code classPath}, beside {@code list}. Returns the
     * archive, or empty when none was written (another node's is there, the dump failed); no temp file is left.
     */
    public static Optional<Path> build(Path list, String java, String classPath) throws InterruptedException {
        Path dir = list.toAbsolutePath().getParent();
        String tag = ".tmp-" + ProcessHandle.current().pid();
        Path copy = dir.resolve(PREFIX + "classlist" + tag + "-copy");
        Path tmp = dir.resolve(PREFIX + "jsa" + tag);
        Path lock = dir.resolve(PREFIX + "jsa.lock");
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            if (whole(dir).isPresent()) {
                LOG.debug("class-data-sharing archive: another node wrote it meanwhile");
                return Optional.empty();
            }
            Files.write(copy, completeLines(Files.readAllBytes(list)));
            Files.deleteIfExists(list);
            String out = dump(java, classPath, copy, tmp);
            if (out != null) {
                notBuilt("the dumping JVM failed: " + out);
                return Optional.empty();
            }
            try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                f.force(true); // the rename must never make a file whose blocks are not on disk yet the archive
            }
            Path archive = dir.resolve(PREFIX + Files.size(tmp) + SUFFIX);
            Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("wrote the class-data-sharing archive {}: later starts map it", archive);
            return Optional.of(archive);
        } catch (IOException | RuntimeException e) {
            notBuilt(e.toString());
            return Optional.empty();
        } finally {
            for (Path p : List.of(list, copy, tmp)) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temp file is never mapped; the launcher deletes it once this process is gone
                }
            }
        }
    }

    /** Set once the node is stopping: a dump it cut short is no news worth an INFO line. */
    private static volatile boolean stopping;

    private static void notBuilt(String why) {
        if (stopping) {
            LOG.debug("no class-data-sharing archive: the node stopped while it was built ({})", why);
        } else {
            LOG.info("no class-data-sharing archive (starts only load classes slower): {}", why);
        }
    }

    /** The bytes up to and including the last line break: the JVM may be writing the next line. */
    static byte[] completeLines(byte[] b) {
        int end = b.length;
        while (end > 0 && b[end - 1] != '\n') end--;
        return Arrays.copyOf(b, end);
    }

    /**
     * Runs the dumping JVM at the lowest CPU priority (nice 19, when there is a nice) and waits for it. Null when it
     * wrote {@code tmp} and exited 0, else what went wrong (the tail of its output).
     */
    private static String dump(String java, String classPath, Path list, Path tmp)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        Optional<Path> nice = NICE == 0 ? Optional.empty() : onPath("nice");
        if (nice.isPresent()) cmd.addAll(List.of(nice.get().toString(), "-n", String.valueOf(NICE)));
        // one processor, SerialGC, a small heap: the dump takes a few CPU-seconds and little memory beside the node
        cmd.addAll(List.of(java, "-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + tmp,
                "-XX:+UseSerialGC", "-Xmx128m", "-XX:ActiveProcessorCount=1", "-cp", classPath));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread stopper = new Thread(() -> { // the node stopping: no orphan dumping on
            stopping = true;
            p.destroyForcibly();
        });
        try {
            Runtime.getRuntime().addShutdownHook(stopper);
        } catch (IllegalStateException e) { // the node is stopping already
            stopping = true;
            p.destroyForcibly();
            return "the node is stopping";
        }
        try {
            p.getOutputStream().close();
            String out = tail(p.getInputStream());
            if (!p.waitFor(DUMP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return "timed out";
            }
            if (p.exitValue() != 0) return "exit " + p.exitValue() + ": " + out;
            if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) return "no archive: " + out;
            return null;
        } finally {
            p.destroyForcibly();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs
            }
        }
    }

    private static String tail(InputStream in) throws IOException {
        byte[] all = in.readAllBytes(); // warnings only (classes it skips); read so that the child never blocks
        String s = new String(all, StandardCharsets.UTF_8).strip();
        return s.length() <= 600 ? s : "..." + s.substring(s.length() - 600);
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        return Arrays.stream(path.split(":")).filter(s -> !s.isEmpty()).map(s -> Path.of(s, name))
                .filter(Files::isExecutable).findFirst();
    }
}
