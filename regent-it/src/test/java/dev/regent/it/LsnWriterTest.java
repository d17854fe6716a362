package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The timeline history parsing behind the frozen-daemon test's fork LSN (the real file is read there). */
class LsnWriterTest {
    /** As PostgreSQL 15 writes 00000003.history: one line per switch, a blank line between. */
    private static final String HISTORY = "1\t0/3000148\tno recovery target specified\n\n"
            + "2\t1A/F00000A0\tno recovery target specified\n";

    @Test
    void theSwitchPointOfEachParentTimelineIsItsLine() {
        assertThat(LsnWriter.switchPoint(HISTORY, 1)).isEqualTo(0x3000148L);
        assertThat(LsnWriter.switchPoint(HISTORY, 2)).isEqualTo((0x1AL << 32) | 0xF00000A0L);
        assertThat(LsnWriter.format(LsnWriter.switchPoint(HISTORY, 2))).isEqualTo("1A/F00000A0");
    }

    @Test
    void aTimelineTheHistoryDoesNotPassThroughHasNoSwitchPoint() {
        assertThat(LsnWriter.switchPoint(HISTORY, 3)).isEqualTo(-1);
        assertThat(LsnWriter.switchPoint("", 1)).isEqualTo(-1);
    }

    @Test
    void aWriteIsOnTheNewTimelineWhenItsCommitEndsByTheForkAndOffItWhenItStartsAfter() {
        LsnWriter.Ack straddling = new LsnWriter.Ack(1, 0, 100, 200);
        assertThat(straddling.before(200)).isTrue();
        assertThat(straddling.after(100)).isTrue();
        assertThat(straddling.before(150)).isFalse();
        assertThat(straddling.after(150)).isFalse();
        assertThat(new LsnWriter.Ack(2, 0, 100, Long.MAX_VALUE).before(Long.MAX_VALUE - 1)).as("end unknown")
                .isFalse();
    }
}
