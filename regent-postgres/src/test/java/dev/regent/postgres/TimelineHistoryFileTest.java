package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineHistoryFileTest {
    @Test
    void theLastLineSaysWhereTheTimelineBegan(@TempDir Path dataDir) throws Exception {
        Files.createDirectories(dataDir.resolve("pg_wal"));
        Files.writeString(dataDir.resolve("pg_wal/0000000B.history"),
                "1\t0/3000060\tno recovery target specified\n\n# comment\n10\t1/A2000000\tbefore 2026-12-01\n");
        assertThat(TimelineHistoryFile.startOf(dataDir, 11)).isEqualTo(0x1A2000000L);
    }

    @Test
    void unknownWithoutAFileOnTimelineOneOrWithoutEntries(@TempDir Path dataDir) {
        assertThat(TimelineHistoryFile.startOf(dataDir, 3)).isNull();
        assertThat(TimelineHistoryFile.startOf(dataDir, 1)).isNull();
        assertThat(TimelineHistoryFile.lastSwitchpoint(List.of("# only a comment", "garbage"))).isNull();
    }
}
