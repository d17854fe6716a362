package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cross-cutting contract: determinism, action ordering, failure messages. */
class DeciderContractTest {
    private static final List<Scenario> SAMPLES = List.of(
            as("pg0"), as("pg1"), as("pg1").unlocked().peer("pg2", 0), as("pg0").failover("pg0", "pg1").peer("pg1", 0),
            as("pg0").stopped("in production"), as("pg1").emptyDataDir(), as("pg0").dcsDown(),
            as("pg0").unlocked().initialize(null).emptyDataDir());

    @Test
    void equalInputsGiveEqualDecisions() {
        for (Scenario s : SAMPLES) {
            assertThat(HaDecider.decide(s.input())).isEqualTo(HaDecider.decide(s.input()));
        }
    }

    @Test
    void promoteAlwaysFollowsALockAction() {
        for (Scenario s : SAMPLES) {
            List<Action> actions = s.decide().actions();
            int promote = indexOf(actions, Action.Promote.class);
            if (promote < 0) continue;
            int lock = Math.max(indexOf(actions, Action.AcquireLeaderLock.class),
                    indexOf(actions, Action.UpdateLeaderLock.class));
            assertThat(lock).isBetween(0, promote - 1);
        }
    }

    @Test
    void everyDecisionHasAMessage() {
        for (Scenario s : SAMPLES) {
            assertThat(s.decide().message()).isNotBlank();
        }
    }

    @Test
    void failureMessagesFollowPatroni() {
        assertThat(FailureMessages.of(new Action.RaceInitialize())).isEqualTo("failed to acquire initialize lock");
        assertThat(FailureMessages.of(new Action.AcquireLeaderLock()))
                .isEqualTo("following new leader after trying and failing to obtain lock");
        assertThat(FailureMessages.of(new Action.UpdateLeaderLock())).isEqualTo("failed to update leader lock");
        assertThat(FailureMessages.of(new Action.Rewind("pg0"))).isEqualTo("Rewind failed");
    }

    @Test
    void pausedMessagesCarryThePausePrefix() {
        assertThat(as("pg0").paused().decide().message())
                .isEqualTo("PAUSE: no action. I am (pg0), the leader with the lock");
        assertThat(as("pg1").paused().dcsDown().decide().message()).isEqualTo("PAUSE: DCS is not accessible");
        assertThat(as("pg0").decide().message()).doesNotStartWith("PAUSE");
    }

    @Test
    void lockOwnerLine() {
        assertThat(HaDecider.lockOwnerLine(as("pg1").input())).isEqualTo("Lock owner: pg0; I am pg1");
        assertThat(HaDecider.lockOwnerLine(as("pg1").unlocked().input())).isEqualTo("Lock owner: None; I am pg1");
    }

    @Test
    void promotionClearsTheRewindState() {
        Decision d = as("pg0").replica().rewindNeeded().decide();
        assertThat(d.actions()).contains(new Action.Promote());
        assertThat(d.memory().rewindOrReinitNeeded()).isFalse();
    }

    private static int indexOf(List<Action> actions, Class<?> type) {
        for (int i = 0; i < actions.size(); i++) {
            if (type.isInstance(actions.get(i))) return i;
        }
        return -1;
    }
}
