package dev.regent.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Installs logical replication slots copied from the primary into a stopped replica's {@code pg_replslot} (Patroni's
 * copy_logical_slots): PostgreSQL 15 cannot create a logical slot on a standby, but loads every slot directory it
 * finds at start-up, and a slot's {@code state} file carries its own checksum, so the primary's file is valid as is.
 * Each slot is written to {@code <name>.tmp}, fsynced, then renamed over any old directory, as PostgreSQL itself
 * saves slots. Files get the data directory's owner (the postgres OS user when Regent runs as root).
 */
final class LogicalSlotCopier {
    private LogicalSlotCopier() {}

    /** Writes {@code states} (slot name to its primary's state file) into {@code dataDir/pg_replslot}. */
    static void install(Path dataDir, Map<String, byte[]> states, CommandRunner runner) {
        Path replslot = dataDir.resolve("pg_replslot");
        try {
            for (Map.Entry<String, byte[]> e : states.entrySet()) {
                Path dir = replslot.resolve(e.getKey());
                Path tmp = replslot.resolve(e.getKey() + ".tmp");
                deleteTree(tmp);
                Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                Path state = tmp.resolve("state");
                Files.write(state, e.getValue());
                Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rw-------"));
                fsync(state, false);
                fsync(tmp, true);
                runner.chownRecursively(tmp);
                deleteTree(dir);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                fsync(dir, true);
            }
            fsync(replslot, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install copied logical slots in " + replslot, e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) Files.delete(x);
        }
    }

    private static void fsync(Path p, boolean directory) throws IOException {
        try (FileChannel ch = FileChannel.open(p, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }
}
