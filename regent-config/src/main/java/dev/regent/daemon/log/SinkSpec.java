package dev.regent.daemon.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The destination the {@code log} section asks for: standard error, or {@code patroni.log} in {@code dir} with its
 * rotation limits and mode. Immutable.
 *
 * @param dir      the directory, null for standard error
 * @param fileNum  rotated files kept
 * @param fileSize rotation size in bytes
 * @param mode     permission bits, or null
 */
record SinkSpec(Path dir, int fileNum, long fileSize, Integer mode) {
    static final SinkSpec STDERR = new SinkSpec(null, 0, 0, null);

    /**
     * Fails when {@code patroni.log} could not be written (no such directory, not writable), before anything is
     * switched, so that a bad {@code log.dir} refuses the start or the reload with a clear message.
     */
    void check() throws IOException {
        if (dir == null) return;
        if (!Files.isDirectory(dir)) throw new IOException("log.dir " + dir + " is not an existing directory");
        Path file = dir.resolve(RotatingFileSink.FILE_NAME);
        if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(dir)) {
            throw new IOException("cannot write " + file + ": permission denied");
        }
    }

    /** A sink for this spec: {@code current} itself when it writes the same file (its limits updated), else new. */
    LogSink open(LogSink current) throws IOException {
        if (dir == null) return current instanceof LogSink.Stderr ? current : new LogSink.Stderr();
        Path file = dir.resolve(RotatingFileSink.FILE_NAME);
        if (current instanceof RotatingFileSink r && r.file().equals(file)) {
            r.update(fileNum, fileSize, mode);
            return r;
        }
        return new RotatingFileSink(dir, fileNum, fileSize, mode);
    }
}
