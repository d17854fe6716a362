package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import org.junit.jupiter.api.Test;

/** Postgres started but not accepting connections yet (handle_starting_instance, §6.2 step 6). */
class StartingScenariosTest {
    @Test
    void leaderStartingWithinTimeoutKeepsTheLock() {
        as("pg0").starting().startingAsPrimarySince(NOW - 100_000)
                .expect("PostgreSQL is still starting up, 200 seconds until timeout", new UpdateLeaderLock());
    }

    @Test
    void leaderAttachingToAStartingPostgresStartsTheClock() {
        Decision d = as("pg0").starting().expect("PostgreSQL is still starting up, 300 seconds until timeout",
                new UpdateLeaderLock());
        assertThat(d.memory().startingAsPrimarySince()).isEqualTo(NOW);
    }

    @Test
    void anAttachedPostgresGetsAtLeastTtlEvenWithAStartTimeoutOfZero() {
        // a status query failed on a live postmaster (load): Patroni only stops renewing, the lock lapses after ttl
        Decision d = as("pg0").starting().config("primary_start_timeout", 0).peer("pg1", 0)
                .expect("PostgreSQL is still starting up, 30 seconds until timeout", new UpdateLeaderLock());
        assertThat(d.memory().startAttached()).isTrue();
        as("pg0").starting().config("primary_start_timeout", 0).peer("pg1", 0)
                .memory(d.memory()).now(NOW + 29_000)
                .expect("PostgreSQL is still starting up, 1 seconds until timeout", new UpdateLeaderLock());
    }

    @Test
    void anAttachedPostgresStillStartingAfterTtlFailsOver() {
        as("pg0").starting().config("primary_start_timeout", 0).peer("pg1", 0)
                .memory(NodeMemory.INITIAL.withAttachedStartSince(NOW - 30_000))
                .informs("Member pg2 is not reachable")
                .informs("Demoting self because primary startup is taking too long")
                .expect("stopped PostgreSQL because of startup timeout",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
    }

    @Test
    void anOwnStartWithAStartTimeoutOfZeroFailsOverAtOnce() {
        as("pg0").starting().config("primary_start_timeout", 0).startingAsPrimarySince(NOW).peer("pg1", 0)
                .informs("Member pg2 is not reachable")
                .informs("Demoting self because primary startup is taking too long")
                .expect("stopped PostgreSQL because of startup timeout",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
    }

    @Test
    void startupTimeoutFailsOverWhenPossible() {
        as("pg0").starting().startingAsPrimarySince(NOW - 300_000).peer("pg1", 0)
                .informs("Member pg2 is not reachable")
                .informs("Demoting self because primary startup is taking too long")
                .expect("stopped PostgreSQL because of startup timeout",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
    }

    @Test
    void startupTimeoutWithoutCandidatesKeepsWaiting() {
        as("pg0").starting().startingAsPrimarySince(NOW - 300_000).peer("pg1", 0, 0)
                .expect("primary start has timed out, but continuing to wait because failover is not possible",
                        new UpdateLeaderLock());
    }

    @Test
    void lostLockWhileStartingStopsPostgres() {
        as("pg0").starting().wasLeader(0).informs("Lost lock while starting up. Demoting self.")
                .expect("stopped PostgreSQL while starting up because leader key was lost",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    @Test
    void replicaStartingIsProcessedNormally() {
        as("pg1").starting().expect("no action. I am (pg1), a secondary, and following a leader (pg0)");
    }

    @Test
    void startingReplicaNeverWinsTheRace() {
        as("pg1").unlocked().starting()
                .expect("following a different leader because i am not the healthiest node");
    }

    @Test
    void pausedStartingLeaderReleasesTheLockLikeAnyNonPrimary() {
        as("pg0").starting().paused().expect("removed leader lock because postgres is not running as primary",
                new dev.regent.core.ha.action.Action.ReleaseLeaderLock());
    }
}
