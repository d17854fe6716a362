package dev.regent.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A class-data-sharing archive (JDK 17 dynamic AppCDS) for the daemons a test JVM starts: the end-to-end suite starts
 * a few hundred daemon JVMs on two cores, and each spent ~2.3 s of CPU loading, verifying and linking the same classes
 * (~1.5 s with the archive). The first daemons of this JVM write the archive when they exit normally
 * ({@code -XX:ArchiveClassesAtExit}, each to its own file, the first one kept); later daemons map it. The JVM checks the
 * archive against the class path (paths, sizes and times of the jars) and runs without it on any mismatch, so a stale
 * archive costs speed, never behaviour. Class-path directories cannot be archived: when the daemon's classes do not
 * all come from jars (an IDE run), daemons run with the test JVM's class path and no archive.
 */
final class DaemonClassArchive {
    private static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"),
            "regent-it-cds-" + ProcessHandle.current().pid());
    private static final Path ARCHIVE = DIR.resolve("daemon.jsa");
    private static final String CLASS_PATH = jarsOnly();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(DaemonClassArchive::deleteDir, "regent-it-cds-cleanup"));
    }

    private DaemonClassArchive() {}

    private static void deleteDir() {
        try (var files = Files.list(DIR)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(DIR);
        } catch (IOException e) {
            // nothing was written, or it is gone already
        }
    }

    /** The class path for a daemon: the test class path's jars, or the whole test class path when it is not all jars. */
    static String classPath() {
        return CLASS_PATH != null ? CLASS_PATH : System.getProperty("java.class.path");
    }

    /** How one daemon is launched: its extra JVM flags, and the file it writes its archive to at exit (or null). */
    record Launch(List<String> flags, Path dumpTo) {}

    /**
     * Flags that map the archive, or have this daemon write one at exit (the first few daemons), or nothing: also
     * nothing with {@code -Dregent.it.cds=false} (a benchmark measuring daemons as {@code bin/regent} runs them).
     */
    static synchronized Launch launch() {
        if (CLASS_PATH == null || !Boolean.parseBoolean(System.getProperty("regent.it.cds", "true"))) {
            return new Launch(List.of(), null);
        }
        List<String> flags = new ArrayList<>(List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        adoptAWrittenArchive();
        if (Files.isRegularFile(ARCHIVE)) {
            flags.add("-XX:SharedArchiveFile=" + ARCHIVE);
            return new Launch(flags, null);
        }
        if (dumpers.size() >= 3) return new Launch(flags, null); // killed daemons write nothing: go on without
        try {
            Files.createDirectories(DIR);
        } catch (IOException e) {
            return new Launch(flags, null);
        }
        Path dumpTo = DIR.resolve("daemon-" + (dumpers.size() + 1) + ".jsa");
        flags.add("-XX:ArchiveClassesAtExit=" + dumpTo);
        dumpers.put(dumpTo, null);
        return new Launch(flags, dumpTo);
    }

    /** The daemon launched with {@code launch} runs as {@code process}. */
    static synchronized void started(Launch launch, Process process) {
        if (launch.dumpTo() != null) dumpers.put(launch.dumpTo(), process.toHandle());
    }

    private static final java.util.Map<Path, ProcessHandle> dumpers = new java.util.LinkedHashMap<>();

    /** An archive is complete once the daemon that writes it at exit has ended: the first such becomes the archive. */
    private static void adoptAWrittenArchive() {
        if (Files.isRegularFile(ARCHIVE)) return;
        for (var e : dumpers.entrySet()) {
            if (e.getValue() == null || e.getValue().isAlive() || !Files.isRegularFile(e.getKey())) continue;
            try {
                if (Files.size(e.getKey()) == 0) continue;
                Files.move(e.getKey(), ARCHIVE, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (IOException ex) {
                // try the next one
            }
        }
    }

    private static String jarsOnly() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String[] entries = cp.split(File.pathSeparator);
        boolean daemonInAJar = Arrays.stream(entries).anyMatch(e -> e.endsWith(".jar") && e.contains("regent-daemon"));
        if (!daemonInAJar) return null;
        List<String> jars = Arrays.stream(entries).filter(e -> e.endsWith(".jar") && new File(e).isFile()).toList();
        return String.join(File.pathSeparator, jars);
    }
}
