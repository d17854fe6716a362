package dev.regent.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Merging members' ledgers into one story, the {@code since} filter and the words for sizes. */
class StoryTest {
    private static LedgerEntry entry(String member, long time, long cycle, String summary, String outcome) {
        return new LedgerEntry(time, cycle, member, "follow", summary, "m", List.of(), outcome, List.of(), Map.of());
    }

    @Test
    void membersAreMergedInTimeOrderAndTheLastLinesKept() {
        List<LedgerEntry> a = List.of(entry("node0", 1000, 5, "node0 a", "ok"), entry("node0", 3000, 6, "node0 b", "ok"));
        List<LedgerEntry> b = List.of(entry("node1", 2000, 9, "node1 a", "refused: AcquireLeaderLock"),
                entry("node1", 3000, 10, "node1 b", "ok"));
        List<LedgerEntry> all = Story.merge(List.of(a, b), 0);
        assertThat(all).extracting(LedgerEntry::summary).containsExactly("node0 a", "node1 a", "node0 b", "node1 b");
        assertThat(Story.merge(List.of(a, b), 2)).extracting(LedgerEntry::summary).containsExactly("node0 b", "node1 b");
        assertThat(Story.line(all.get(1), ZoneOffset.UTC))
                .isEqualTo("1970-01-01 00:00:02 node1 a [refused: AcquireLeaderLock]");
        assertThat(Story.line(all.get(0), ZoneOffset.UTC)).isEqualTo("1970-01-01 00:00:01 node0 a");
    }

    @Test
    void sinceTakesACycleOrAnIsoTime() {
        LedgerEntry e = entry("node0", 1_764_693_601_000L, 12, "s", "ok"); // 2025-12-02T16:40:01Z
        assertThat(Since.parse("12").includes(e)).isTrue();
        assertThat(Since.parse("13").includes(e)).isFalse();
        assertThat(Since.parse("2025-12-02T16:40:01Z").includes(e)).isTrue();
        assertThat(Since.parse("2025-12-02T16:40:02Z").includes(e)).isFalse();
        assertThat(Since.parse("2025-12-02T17:40:00+01:00").includes(e)).isTrue();
        assertThat(Since.parse("2025-12-02 16:40").includes(e)).isTrue();
        assertThat(Since.parse("2025-12-02").includes(e)).isTrue();
        assertThat(Since.parse(null).includes(e)).isTrue();
        assertThatThrownBy(() -> Since.parse("yesterday")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("since: 'yesterday' is neither a cycle number nor an ISO-8601 time"
                        + " (e.g. 2026-12-02T16:40:01Z)");
    }

    @Test
    void sizesAndPositionsReadAsPostgresWritesThem() {
        assertThat(Explanation.bytes(200)).isEqualTo("200 B");
        assertThat(Explanation.bytes(1536)).isEqualTo("1.5 kB");
        assertThat(Explanation.bytes(18L * 1024 * 1024)).isEqualTo("18 MB");
        assertThat(Explanation.bytes(1024L * 1024 * 1024)).isEqualTo("1 GB");
        assertThat(Explanation.lsn(0x3000060L)).isEqualTo("0/3000060");
        assertThat(Explanation.lsn((5L << 32) + 0xAB)).isEqualTo("5/AB");
    }
}
