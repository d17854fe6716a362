package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Provisioner#endOfLastSegment}: the {@code --end} that keeps pg_waldump from waiting for a missing segment. */
class WalSegmentEndTest {
    private static final long MB16 = 16L * 1024 * 1024;

    @Test
    void aSegmentEndsWhereTheNextBegins() {
        assertThat(Provisioner.segmentEnd("000000010000000000000001", MB16)).isEqualTo(0x2000000L);
        assertThat(Provisioner.segmentEnd("0000000100000000000000FF", MB16)).isEqualTo(0x100000000L);
        assertThat(Provisioner.segmentEnd("000000030000000200000004", MB16)).isEqualTo((2L << 32) + 5 * MB16);
        assertThat(Provisioner.segmentEnd("000000010000000000000001", 64L * 1024 * 1024)).isEqualTo(0x8000000L);
    }

    @Test
    void theHighestSegmentOfTheTimelineCounts(@TempDir Path wal) throws Exception {
        segment(wal, "000000010000000000000002", MB16);
        segment(wal, "000000010000000000000003", MB16);
        segment(wal, "000000020000000000000007", MB16);  // another timeline
        Files.writeString(wal.resolve("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        Files.createDirectory(wal.resolve("archive_status"));
        assertThat(Provisioner.endOfLastSegment(wal, 1)).isEqualTo(0x4000000L);
        assertThat(Provisioner.endOfLastSegment(wal, 2)).isEqualTo(0x8000000L);
        assertThat(Provisioner.endOfLastSegment(wal, 3)).isNull();
    }

    @Test
    void aPartialFileGivesNoEnd(@TempDir Path wal) throws Exception {
        segment(wal, "000000010000000000000002", 5000);
        assertThat(Provisioner.endOfLastSegment(wal, 1)).isNull();
    }

    private static void segment(Path wal, String name, long size) throws Exception {
        try (var f = new java.io.RandomAccessFile(wal.resolve(name).toFile(), "rw")) {
            f.setLength(size);  // sparse: the size is what counts
        }
    }
}
