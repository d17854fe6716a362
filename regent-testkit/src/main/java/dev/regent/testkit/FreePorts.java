package dev.regent.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the servers a test starts (etcd, Regent's REST API, PostgreSQL, Raft peers), handed out from
 * 20000-31999: below Linux's ephemeral range (32768-60999), so no outgoing connection takes a port between the moment
 * it is chosen and the moment its server binds it. {@code bin/test} builds modules in parallel, and surefire runs
 * test classes in parallel forks: each module's tests get their own part of that range (system property
 * {@code regent.test.ports}, {@code LOW-HIGH}, set in the module's pom), and each fork its own slice of the module's
 * part ({@code regent.test.fork}, surefire's fork number, of {@code regent.test.forks}), so two test JVMs never choose
 * the same port for servers that bind seconds later. Within one JVM a port is never handed out twice.
 */
public final class FreePorts {
    private static final int LOW = 20000;
    private static final int HIGH = 32000;
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
     * [low, high) of this fork. Surefire numbers forks from one pool per Maven process: beside another module's fork
     * (bin/test builds with -T 2) a module's N forks may be numbered 2..N+1. So a module with forks is cut into N + 1
     * slices, one per possible number; each of its forks holds a distinct number, hence its own slice.
     */
    static int[] slice() {
        int[] part = modulePart(System.getProperty("regent.test.ports"));
        int forks = Integer.getInteger("regent.test.forks", 1);
        int fork = forkNumber(System.getProperty("regent.test.fork"));
        int slices = forks == 1 ? 1 : forks + 1;
        if (forks < 1 || fork < 1 || fork > slices) {
            throw new IllegalStateException("regent.test.fork=" + fork + " is not within 1.." + slices
                    + " (regent.test.forks=" + forks + ")");
        }
        int size = (part[1] - part[0]) / slices;
        int low = part[0] + (fork - 1) * size;
        return new int[] {low, low + size};
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
                if (LOW <= low && low < high && high <= HIGH) return new int[] {low, high};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("regent.test.ports=" + ports + " is not LOW-HIGH within " + LOW + "-" + HIGH);
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
