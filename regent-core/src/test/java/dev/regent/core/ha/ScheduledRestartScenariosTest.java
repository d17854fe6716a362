package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Scheduled restarts beyond the message/action tables of {@code scenarios/restart.txt}: the start-timeout memory of a
 * lock holder, and the filters of {@link ScheduledRestart}.
 */
class ScheduledRestartScenariosTest {

    @Test
    void aLeaderRestartingOnScheduleStartsItsStartTimeout() {
        Decision d = as("pg0").scheduledRestart(0).decide();
        assertThat(d.message()).isEqualTo("restart initiated");
        assertThat(d.memory().startingAsPrimarySince()).isEqualTo(Scenario.NOW);
        assertThat(d.memory().wasLeader()).as("the lock is kept through the restart").isTrue();
    }

    @Test
    void aReplicaRestartingOnScheduleDoesNotTouchTheStartTimeout() {
        Decision d = as("pg1").scheduledRestart(0).decide();
        assertThat(d.message()).isEqualTo("restart initiated");
        assertThat(d.memory().startingAsPrimarySince()).isZero();
    }

    @Test
    void filtersAreTheSharedRestartConditions() {
        ScheduledRestart r = new ScheduledRestart(OffsetDateTime.now(ZoneOffset.UTC), "replica", 150005, true, null,
                null);
        assertThat(r.conditions()).isEqualTo(new RestartConditions("replica", 150005, true));
        assertThat(r.conditions().mismatchReason("primary", 150004, true)).isEqualTo("host role mismatch");
    }

    @Test
    void scheduleIsPrintedLikePythonIsoformat() {
        OffsetDateTime t = Instant.parse("2024-05-01T10:00:00Z").atOffset(ZoneOffset.ofHours(1));
        assertThat(new ScheduledRestart(t, null, null, false, null, null).scheduleIso())
                .isEqualTo("2024-05-01T11:00:00+01:00");
        assertThat(new ScheduledRestart(t.plusNanos(1_500_000), null, null, false, null, null).scheduleIso())
                .isEqualTo("2024-05-01T11:00:00.001500+01:00");
    }
}
