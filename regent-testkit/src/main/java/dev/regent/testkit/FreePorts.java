package dev.regent.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the servers a test starts (etcd, Regent's REST API, PostgreSQL, Raft peers), handed out from
 * 20000-31999: below Linux's ephemeral range (32768-60999), so no outgoing connection takes a port between the moment
 * it is chosen and the moment its server binds it. {@code bin/test} builds modules in parallel, and surefire runs
 * test classes in parallel forks: each module's tests get their own part of that range (system property
 * {@code regent.test.ports}, {@code LOW-HIGH}, set in the module's pom), and each fork its own slice of the module's
 * part (one of {@code regent.test.forks}, claimed with a file lock), so two test JVMs never choose the same port for
 * servers that bind seconds later. Within one JVM a port is never handed out twice.
 */
public final class FreePorts {
    private static final int LOW = 20000;
    private static final int HIGH = 32000;
    /** Linux's first ephemeral port: an explicit part may reach up to it (e.g. a developer's own 32000-32767). */
    private static final int EPHEMERAL = 32768;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {}

    /** One free port. */
    public static int one() {
        return consecutive(1);
    }

    /** The first of {@code count} consecutive free ports, none handed out before by this JVM. */
    public static synchronized int consecutive(int count) {
        int[] slice = slice();
        for (int attempt = 0; attempt < 500; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(slice[0], slice[1] - count + 1);
            boolean ok = true;
            for (int i = 0; i < count && ok; i++) ok = !HANDED_OUT.contains(base + i) && isFree(base + i);
            if (ok) {
                for (int i = 0; i < count; i++) HANDED_OUT.add(base + i);
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " free consecutive ports in " + slice[0] + "-" + slice[1]);
    }

    /**
     * [low, high) of this JVM's slice of its module's part: the part is cut into {@code regent.test.forks} slices and
     * each test JVM claims one by locking a file named after it in the temporary directory (the operating system
     * drops the lock when the JVM exits, however it exits). The fork number only says which slice to try first:
     * surefire numbers forks from one pool per Maven process, so with several modules building side by side a
     * module's forks get numbers that do not map one to one on its slices. When every slice is held (another build of
     * the same module on this machine), the JVM shares its first choice, as before slices existed.
     */
    static synchronized int[] slice() {
        if (claimed != null) return claimed;
        int[] part = modulePart(System.getProperty("regent.test.ports"));
        int forks = Integer.getInteger("regent.test.forks", 1);
        if (forks < 1) throw new IllegalStateException("regent.test.forks=" + forks + " is not a number of forks");
        int first = (forkNumber(System.getProperty("regent.test.fork")) - 1) % forks;
        int size = (part[1] - part[0]) / forks;
        int chosen = first;
        for (int k = 0; k < forks; k++) {
            int i = (first + k) % forks;
            if (lock(part, forks, i)) {
                chosen = i;
                break;
            }
        }
        claimed = new int[] {part[0] + chosen * size, part[0] + (chosen + 1) * size};
        return claimed;
    }

    /** True when this JVM holds the lock of the slice {@link #slice()} returns (no other test JVM uses it). */
    public static synchronized boolean sliceIsExclusive() {
        slice();
        return lock != null;
    }

    private static int[] claimed;
    private static FileLock lock; // held until the JVM exits

    private static boolean lock(int[] part, int forks, int slice) {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "regent-test-ports",
                part[0] + "-" + part[1] + "-" + slice + "-of-" + forks + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = channel.tryLock();
            if (l == null) {
                channel.close();
                return false;
            }
            lock = l;
            return true;
        } catch (IOException | OverlappingFileLockException e) {
            return false;
        }
    }

    /**
     * Surefire's fork number from {@code regent.test.fork}, which the pom sets to {@code fork${surefire.forkNumber}}:
     * a value that is only the expression is evaluated by Maven before surefire sees it, to nothing, so every fork
     * took slice 1 and parallel forks picked the same ports. 1 when unset (no forks); an error when it holds no number.
     */
    static int forkNumber(String property) {
        if (property == null) return 1;
        String digits = property.replaceAll("\\D", "");
        if (digits.isEmpty()) {
            throw new IllegalStateException("regent.test.fork=" + property + " holds no fork number: surefire did not"
                    + " substitute ${surefire.forkNumber} (write it inside a longer value, e.g. fork${surefire.forkNumber})");
        }
        return Integer.parseInt(digits);
    }

    /** [low, high) of the module's part, from {@code LOW-HIGH}; the whole range when unset (one module at a time). */
    static int[] modulePart(String ports) {
        if (ports == null || ports.isBlank()) return new int[] {LOW, HIGH};
        String[] bounds = ports.trim().split("-");
        try {
            if (bounds.length == 2) {
                int low = Integer.parseInt(bounds[0].trim());
                int high = Integer.parseInt(bounds[1].trim());
                if (LOW <= low && low < high && high <= EPHEMERAL) return new int[] {low, high};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("regent.test.ports=" + ports + " is not LOW-HIGH within " + LOW + "-"
                + EPHEMERAL);
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
