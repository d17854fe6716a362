package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LastWalRecordCache}: an unchanged stopped data directory is read once; anything that changes its control file
 * or the segment files of its timeline is read again. LastWalRecordComponentTest does the same with real PostgreSQL.
 */
class LastWalRecordCacheTest {
    @TempDir
    Path dataDir;
    private LastWalRecordCache cache;
    private final AtomicLong answer = new AtomicLong(0x3000100L);
    private ControlData control;

    @BeforeEach
    void dataDirectory() throws Exception {
        Files.createDirectories(dataDir.resolve("global"));
        Files.write(dataDir.resolve("global").resolve("pg_control"), new byte[8192]);
        Files.createDirectories(dataDir.resolve("pg_wal").resolve("archive_status"));
        Files.write(wal("000000010000000000000003"), new byte[4096]);
        Files.write(wal("000000020000000000000001"), new byte[4096]);  // another timeline
        control = control("0/3000028", "in production");
        cache = new LastWalRecordCache(dataDir);
    }

    private Path wal(String name) {
        return dataDir.resolve("pg_wal").resolve(name);
    }

    private static ControlData control(String checkpoint, String state) {
        Map<String, String> m = new HashMap<>();
        m.put("Database system identifier", "7000000000000000001");
        m.put("Database cluster state", state);
        m.put("Latest checkpoint location", checkpoint);
        m.put("Latest checkpoint's TimeLineID", "1");
        return new ControlData(m);
    }

    private Long read(ControlData cd) {
        return cache.lastWalRecord(cd, answer::get);
    }

    @Test
    void anUnchangedDataDirectoryIsReadOnce() {
        assertThat(read(control)).isEqualTo(0x3000100L);
        answer.set(0x3000200L);
        assertThat(read(control)).as("the answer read before").isEqualTo(0x3000100L);
        assertThat(read(control("0/3000028", "in production"))).isEqualTo(0x3000100L);
        assertThat(cache.reads()).isEqualTo(1);
    }

    @Test
    void aNullAnswerIsKeptToo() {
        answer.set(0);
        assertThat(cache.lastWalRecord(control, () -> null)).isNull();
        assertThat(cache.lastWalRecord(control, () -> 1L)).isNull();
        assertThat(cache.reads()).isEqualTo(1);
    }

    @Test
    void aNewControlFileStateIsReadAgain() {
        read(control);
        answer.set(0x5000100L);
        assertThat(read(control("0/5000028", "in production"))).as("a start: crash recovery's checkpoint")
                .isEqualTo(0x5000100L);
        answer.set(0x5000200L);
        assertThat(read(control("0/5000028", "in archive recovery"))).as("pg_rewind's state").isEqualTo(0x5000200L);
        assertThat(cache.reads()).isEqualTo(3);
    }

    @Test
    void aWriteToASegmentIsReadAgain() throws Exception {
        read(control);
        Path segment = wal("000000010000000000000003");
        Files.write(segment, new byte[] {1}, java.nio.file.StandardOpenOption.WRITE);
        // the write, later than the read: a filesystem clock tick may be coarser than this test is quick
        Files.setLastModifiedTime(segment, FileTime.fromMillis(Files.getLastModifiedTime(segment).toMillis() + 1000));
        answer.set(0x3000300L);
        assertThat(read(control)).isEqualTo(0x3000300L);
        assertThat(cache.reads()).isEqualTo(2);
    }

    @Test
    void aNewOrReplacedSegmentOrControlFileIsReadAgain() throws Exception {
        read(control);
        Files.write(wal("000000010000000000000004"), new byte[4096]);
        assertThat(read(control)).isEqualTo(0x3000100L);
        assertThat(cache.reads()).as("a new segment file").isEqualTo(2);

        Path copy = dataDir.resolve("copy");
        Files.write(copy, new byte[4096]);
        Files.move(copy, wal("000000010000000000000004"), StandardCopyOption.REPLACE_EXISTING);
        read(control);
        assertThat(cache.reads()).as("a segment file replaced by a copy of the same size").isEqualTo(3);

        Files.write(copy, new byte[8192]);
        Files.move(copy, dataDir.resolve("global").resolve("pg_control"), StandardCopyOption.REPLACE_EXISTING);
        read(control);
        assertThat(cache.reads()).as("a new pg_control (a basebackup)").isEqualTo(4);

        Files.delete(wal("000000010000000000000004"));
        read(control);
        assertThat(cache.reads()).as("a segment file removed").isEqualTo(5);

        Files.write(wal("000000020000000000000002"), new byte[4096]);
        read(control);
        assertThat(cache.reads()).as("another timeline's segment: pg_waldump does not read it").isEqualTo(5);
    }

    @Test
    void aStateThatCannotBeReadIsNeverCached() throws Exception {
        Files.delete(dataDir.resolve("global").resolve("pg_control"));
        read(control);
        read(control);
        assertThat(cache.reads()).isEqualTo(2);
    }
}
