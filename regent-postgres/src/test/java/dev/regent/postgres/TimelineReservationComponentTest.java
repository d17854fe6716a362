package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: a history file written into {@code pg_wal} before {@code pg_ctl promote} makes the promotion skip
 * that timeline number ({@code findNewestTimeLine(recoveryTargetTLI) + 1}), and the new timeline's history file names
 * its real parent. This is how a member avoids reusing the number of a timeline another member promoted to and lost.
 */
class TimelineReservationComponentTest {
    @Test
    void aWrittenHistoryFileMakesThePromotionSkipItsNumber() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("node-r");
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            pg.createUsers();
            pg.connection().execute("CREATE TABLE t AS SELECT 1 AS v");
            assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();

            // Restarted as a standby without upstream: timeline 1, replaying nothing more.
            pg.writeConfig(Role.REPLICA, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            PgStatus standby = pg.status();
            assertThat(standby.inRecovery()).isTrue();
            assertThat(standby.timeline()).isEqualTo(1);
            long replayed = standby.replayLsn();

            // Another member promoted timeline 1 to 2 at the same point and was lost: its history file, as the shell
            // writes it from /history before promoting.
            TimelineHistoryFile.Line lost = new TimelineHistoryFile.Line(1, replayed, "no recovery target specified");
            assertThat(TimelineHistoryFile.writeIfAbsent(pg.dataDir(), 2, List.of(lost))).isTrue();
            assertThat(TimelineHistoryFile.writeIfAbsent(pg.dataDir(), 2, List.of())).as("never overwritten").isFalse();
            assertThat(Files.readString(TimelineHistoryFile.path(pg.dataDir(), 2)))
                    .isEqualTo("1\t" + ControlData.formatLsn(replayed) + "\tno recovery target specified\n");

            assertThat(pg.promote(PgTestNodes.timeout()).timeline()).as("as promote reports it").isEqualTo(3);
            PgStatus primary = pg.status();
            assertThat(primary.inRecovery()).isFalse();
            assertThat(primary.timeline()).as("timeline 2 is taken: PostgreSQL picks 3").isEqualTo(3);
            TimelineHistoryFile.Line parent = TimelineHistoryFile.lastLine(pg.dataDir(), 3);
            assertThat(parent).isNotNull();
            assertThat(parent.parentTimeline()).as("3 forked off 1, not 2").isEqualTo(1);
            assertThat(parent.switchpoint()).isGreaterThanOrEqualTo(replayed).isLessThan(primary.walPosition() + 1);
            assertThat(TimelineHistoryFile.parse(Files.readAllLines(TimelineHistoryFile.path(pg.dataDir(), 3))))
                    .as("timeline 1 has no history file: one line").hasSize(1);
            pg.connection().execute("INSERT INTO t VALUES (2)");
        }
    }
}
