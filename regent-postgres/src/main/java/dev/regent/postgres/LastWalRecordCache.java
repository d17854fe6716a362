package dev.regent.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The last WAL record of a stopped data directory ({@link Provisioner#lastWalRecord}), read with pg_waldump once per
 * state of its WAL: the daemon observes a stopped crashed primary at every HA cycle, and each pg_waldump run is a
 * process that reads every segment after the checkpoint. The answer is kept with what identifies the WAL it was read
 * from: the whole of pg_controldata's output (system identifier, timeline, checkpoint and REDO locations, state) and
 * the name, size, modification time and file key (inode) of pg_control and of every segment file of the checkpoint's
 * timeline. Whatever touches the data directory changes one of them: a start (crash recovery ends with a checkpoint,
 * and the postmaster rewrites pg_control), pg_rewind, a new copy (basebackup, reinitialize), WAL written to a segment
 * or a new segment file. An answer is served only for a state equal to the one it was read in; a state that cannot be
 * read is never cached. Keeps the last answer only (one data directory). Thread-safe.
 */
final class LastWalRecordCache {
    /** A file as {@code stat} sees it: any write changes its modification time, a replacement its file key. */
    private record Stamp(String name, long size, FileTime modified, Object fileKey) {
        static Stamp of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(file.getFileName().toString(), a.size(), a.lastModifiedTime(), a.fileKey());
        }
    }

    /** The state of the WAL an answer was read from. */
    private record WalState(ControlData control, Stamp controlFile, List<Stamp> segments) {}

    private record Entry(WalState state, Long lastRecord) {}

    private final Path dataDir;
    private final AtomicReference<Entry> last = new AtomicReference<>();
    private final AtomicInteger reads = new AtomicInteger();

    LastWalRecordCache(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * The answer of {@code read} (pg_waldump) for the WAL {@code cd} describes: the cached one when nothing changed
     * since it was read, else {@code read}'s, which is then cached. Null answers are cached like any other (null is
     * the cautious answer: pg_rewind decides).
     */
    Long lastWalRecord(ControlData cd, Supplier<Long> read) {
        WalState state = stateOf(cd);
        Entry e = last.get();
        if (state != null && e != null && e.state().equals(state)) return e.lastRecord();
        reads.incrementAndGet();
        Long answer = read.get();
        // stated before the read: a change while pg_waldump ran makes the next state differ, and it reads again
        last.set(state == null ? null : new Entry(state, answer));
        return answer;
    }

    /** How many times {@link #lastWalRecord} asked pg_waldump (for tests). */
    int reads() {
        return reads.get();
    }

    /** The state of the WAL of {@code cd}'s timeline, or null when it cannot be read. */
    private WalState stateOf(ControlData cd) {
        String prefix = String.format("%08X", cd.timeline());
        Path pgWal = dataDir.resolve("pg_wal");
        try (Stream<Path> files = Files.list(pgWal)) {
            List<Path> segments = files.filter(f -> {
                String n = f.getFileName().toString();
                return n.length() == 24 && n.startsWith(prefix) && n.matches("[0-9A-F]{24}");
            }).sorted().toList();
            List<Stamp> stamps = new ArrayList<>(segments.size());
            for (Path s : segments) stamps.add(Stamp.of(s));
            return new WalState(cd, Stamp.of(dataDir.resolve("global").resolve("pg_control")), List.copyOf(stamps));
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }
}
