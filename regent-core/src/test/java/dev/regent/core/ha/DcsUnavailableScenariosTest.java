package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Demote;
import org.junit.jupiter.api.Test;

/** The DCS could not be read (§6.7; failsafe mode off). */
class DcsUnavailableScenariosTest {
    @Test
    void primaryDemotesOffline() {
        Decision d = as("pg0").dcsDown().expect("demoting self because DCS is not accessible and I was a leader",
                new Demote(Demote.Mode.OFFLINE, null));
        assertThat(d.memory().wasLeader()).isFalse();
        assertThat(d.memory().lockValidUntil()).isZero();
    }

    @Test
    void replicaKeepsRunning() {
        as("pg1").dcsDown().expect("DCS is not accessible");
    }

    @Test
    void stoppedPostgresIsLeftAlone() {
        as("pg1").dcsDown().stopped("shut down in recovery").expect("DCS is not accessible");
    }

    @Test
    void pausedPrimaryIsNotDemoted() {
        as("pg0").dcsDown().paused().expect("DCS is not accessible");
    }

    @Test
    void dcsDownWinsOverBackgroundTask() {
        as("pg0").dcsDown().task("restart").expect("demoting self because DCS is not accessible and I was a leader",
                new Demote(Demote.Mode.OFFLINE, null));
    }
}
