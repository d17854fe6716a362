package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import org.junit.jupiter.api.Test;

/** A long action occupies the background slot (handle_long_action_in_progress, §6.2 step 5). */
class LongActionScenariosTest {
    @Test
    void leaderRenewsItsLockDuringTheTask() {
        as("pg0").task("restart").expect("updated leader lock during restart", new UpdateLeaderLock());
    }

    @Test
    void replicaReportsTheTask() {
        as("pg1").stopped("shut down in recovery").task("creating replica").expect("creating replica in progress");
    }

    @Test
    void primaryWithoutLockDemotesDuringTheTask() {
        as("pg1").primary().task("restart").expect("lost leader lock during restart",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, "pg0"));
    }

    @Test
    void leaderWhoseLockLapsedDuringTheTaskDemotes() {
        as("pg0").wasLeader(0).task("starting primary after failure")
                .expect("lost leader lock during starting primary after failure",
                        new Demote(Demote.Mode.IMMEDIATE_NOLOCK, "pg0"));
    }

    @Test
    void restartAsPrimaryWithoutLockIsCancelledEvenBeforePostgresRuns() {
        Decision d = as("pg1").stopped("shut down").startingAsPrimarySince(Scenario.NOW - 1000)
                .task("starting primary after failure")
                .expect("lost leader lock during starting primary after failure",
                        new Demote(Demote.Mode.IMMEDIATE_NOLOCK, "pg0"));
        org.assertj.core.api.Assertions.assertThat(d.memory().startingAsPrimarySince()).isZero();
    }

    @Test
    void pausedPrimaryWithoutLockIsLeftAlone() {
        as("pg1").primary().paused().task("restart").expect("restart in progress");
    }

    @Test
    void bootstrappingPrimaryWithoutLockIsNotDemoted() {
        as("pg0").unlocked().initialize("").primary().notWasLeader().task("bootstrap").expect("bootstrap in progress");
    }

    @Test
    void commandsAreNotTakenWhileBusy() {
        as("pg1").task("rewind").command(new Command.Restart(null)).expect("rewind in progress");
    }
}
