package dev.regent.it;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One line of Linux's {@code /proc/PID/stat} (or {@code /proc/PID/task/TID/stat}), the fields the benchmark needs.
 * CPU times are in clock ticks (USER_HZ, 100 on Linux). The command name is between the first {@code (} and the
 * last {@code )}: it may itself hold spaces and parentheses (a JVM thread {@code "C1 CompilerThre"}, a process named
 * {@code "a) b"}), so the numeric fields are counted from after the last {@code )}, never by splitting the whole line.
 *
 * @param comm      the command (thread) name, at most 15 characters
 * @param ppid      the parent's pid
 * @param utime     user CPU ticks of this process (thread)
 * @param stime     system CPU ticks
 * @param cutime    user ticks of its children that ended and were waited for
 * @param cstime    system ticks of those children
 * @param startTime when it started, ticks after boot (tells a pid reused by another process apart)
 */
public record ProcStat(int pid, String comm, int ppid, long utime, long stime, long cutime, long cstime,
                       long startTime) {
    /** Clock ticks per second of {@code /proc} times (USER_HZ is 100 on every Linux the project runs on). */
    public static final double TICKS_PER_SECOND = 100.0;

    /** Own CPU ticks (user + system). */
    public long ticks() {
        return utime + stime;
    }

    /** Own CPU ticks plus those of its ended, waited-for children (their processes no longer exist to be read). */
    public long ticksWithReapedChildren() {
        return utime + stime + cutime + cstime;
    }

    /** Parse one stat line; throws {@link IllegalArgumentException} naming the line when it is not one. */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 1 || close < open || close + 2 > line.length()) {
            throw new IllegalArgumentException("not a /proc stat line: " + line);
        }
        try {
            int pid = Integer.parseInt(line.substring(0, open).trim());
            // after ") ": state(3) ppid(4) pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
            // utime(14) stime(15) cutime(16) cstime(17) priority nice num_threads itrealvalue starttime(22)
            String[] f = line.substring(close + 2).trim().split(" +");
            if (f.length < 20) throw new IllegalArgumentException("too few fields in /proc stat line: " + line);
            return new ProcStat(pid, line.substring(open + 1, close), Integer.parseInt(f[1]), Long.parseLong(f[11]),
                    Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]), Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a /proc stat line: " + line, e);
        }
    }

    /** {@code /proc/PID/stat}, or empty when the process is gone (or not readable). */
    public static Optional<ProcStat> of(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "stat"));
    }

    static Optional<ProcStat> read(Path stat) {
        try {
            return Optional.of(parse(Files.readString(stat).strip()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The threads of a process: tid to its stat line ({@code /proc/PID/task/*}); threads that ended are left out. */
    public static Map<Integer, ProcStat> threads(long pid) {
        Map<Integer, ProcStat> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) read(t.resolve("stat")).ifPresent(s -> out.put(s.pid(), s));
        } catch (IOException e) {
            // the process is gone: no threads
        }
        return out;
    }

    /** Number of threads ({@code /proc/PID/task} entries), 0 when the process is gone. */
    public static int threadCount(long pid) {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return (int) s.count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Resident set size in kB ({@code VmRSS} of {@code /proc/PID/status}), -1 when the process is gone. */
    public static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return -1;
    }

    /** The stat of every process that exists now (one scan of {@code /proc}). */
    public static List<ProcStat> all() {
        List<ProcStat> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) read(p.resolve("stat")).ifPresent(out::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return out;
    }

    /**
     * {@code root} and all its descendants in {@code table} (a scan from {@link #all()}), except the subtrees rooted
     * at a pid in {@code exclude} (e.g. a postmaster that an agent started as its child: its CPU is PostgreSQL's).
     */
    public static Set<Integer> tree(long root, List<ProcStat> table, Set<Integer> exclude) {
        Map<Integer, List<Integer>> children = new HashMap<>();
        for (ProcStat s : table) children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s.pid());
        Set<Integer> out = new LinkedHashSet<>();
        Deque<Integer> todo = new ArrayDeque<>(List.of((int) root));
        while (!todo.isEmpty()) {
            int p = todo.pop();
            if (exclude.contains(p) && p != root || !out.add(p)) continue;
            todo.addAll(children.getOrDefault(p, List.of()));
        }
        return out;
    }

    /**
     * CPU ticks of a process tree now: of each living member its own ticks plus its reaped children's. Differences
     * of two such sums count every tick spent in between, also by processes born or ended in between (a PostgreSQL
     * backend of one short connection ends up in the postmaster's {@code cutime} once waited for).
     */
    public static long treeTicks(long root, List<ProcStat> table, Set<Integer> exclude) {
        Map<Integer, ProcStat> byPid = new HashMap<>();
        for (ProcStat s : table) byPid.put(s.pid(), s);
        long sum = 0;
        for (int p : tree(root, table, exclude)) {
            ProcStat s = byPid.get(p);
            if (s != null) sum += s.ticksWithReapedChildren();
        }
        return sum;
    }
}
