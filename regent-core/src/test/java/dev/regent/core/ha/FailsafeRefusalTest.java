package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who accepts a primary's POST /failsafe. */
class FailsafeRefusalTest {
    @Test
    void aReplicaAcceptsTheLeaderItKnowsOrWhenItSawNoLeader() {
        assertThat(FailsafeRule.refusal(false, "pg0", "pg0", "pg1")).isNull();
        assertThat(FailsafeRule.refusal(false, null, "pg0", "pg1")).as("leader key expired").isNull();
    }

    @Test
    void aRunningPrimaryRefusesAsPatroni() {
        assertThat(FailsafeRule.refusal(true, "pg1", "pg0", "pg1")).isEqualTo("Running as a leader");
    }

    @Test
    void aReplicaThatSawAnotherLeaderRefuses() {
        assertThat(FailsafeRule.refusal(false, "pg2", "pg0", "pg1")).isEqualTo("pg2 holds the leader lock");
        assertThat(FailsafeRule.refusal(false, "pg1", "pg0", "pg1")).as("a demoted leader, asked by a stale primary")
                .isEqualTo("pg1 holds the leader lock");
    }
}
