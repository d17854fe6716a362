package dev.regent.daemon.log;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code <dir>/patroni.log} rotated by size as Python's {@code RotatingFileHandler} (Patroni's
 * {@code PatroniFileHandler}) does: before a line that would bring the file to {@code fileSize} bytes or more, the
 * file becomes {@code patroni.log.1}, {@code .1} becomes {@code .2}, ... and the oldest beyond {@code patroni.log.<fileNum>}
 * is removed; so {@code fileNum} rotated files are kept besides the current one. With {@code mode} set, every newly
 * opened {@code patroni.log} gets those permission bits (otherwise the umask decides). Used by the one writer thread.
 */
final class RotatingFileSink implements LogSink {
    /** Patroni's file name ({@code os.path.join(dir, 'patroni.log')}). */
    static final String FILE_NAME = "patroni.log";

    private final Path file;
    private int fileNum;
    private long fileSize;
    private Integer mode;
    private OutputStream out;
    private long size;

    RotatingFileSink(Path dir, int fileNum, long fileSize, Integer mode) throws IOException {
        this.file = dir.resolve(FILE_NAME);
        this.fileNum = fileNum;
        this.fileSize = fileSize;
        this.mode = mode;
        open();
    }

    Path file() {
        return file;
    }

    /** New limits for the same file (a reload); a new mode applies to the file at once. */
    void update(int fileNum, long fileSize, Integer mode) throws IOException {
        this.fileNum = fileNum;
        this.fileSize = fileSize;
        boolean chmod = mode != null && !mode.equals(this.mode);
        this.mode = mode;
        if (chmod) chmod();
    }

    @Override
    public void write(byte[] line) throws IOException {
        if (size > 0 && size + line.length >= fileSize) rotate();
        out.write(line);
        size += line.length;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // nothing left to write to
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(numbered(fileNum));
        for (int i = fileNum - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path numbered(int i) {
        return file.resolveSibling(FILE_NAME + "." + i);
    }

    private void open() throws IOException {
        out = new java.io.BufferedOutputStream(new FileOutputStream(file.toFile(), true), 8192);
        size = Files.size(file);
        chmod();
    }

    private void chmod() throws IOException {
        if (mode == null) return;
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) perms.add(order[bit]);
        }
        Files.setPosixFilePermissions(file, perms);
    }
}
