package dev.regent.core.ha;

import dev.regent.core.ha.action.Action;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.Rewind;
import dev.regent.core.ha.action.Action.StartPostgres;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import org.junit.jupiter.api.Test;

/** Postgres stopped with a data directory (recover()/post_recover(), §6.11; recovery.feature). */
class StoppedPostgresScenariosTest {
    @Test
    void crashedPrimaryWithLockRestartsAsPrimary() {
        Decision d = as("pg0").stopped("in production").expect("starting primary after failure",
                new UpdateLeaderLock(), new StartPostgres(true, null));
        assertThat(d.memory().startingAsPrimarySince()).isEqualTo(NOW);
        assertThat(d.memory().wasLeader()).isTrue();
    }

    @Test
    void cleanlyStoppedPrimaryWithLockRestartsAsPrimary() {
        as("pg0").stopped("shut down").expect("starting primary after failure",
                new UpdateLeaderLock(), new StartPostgres(true, null));
    }

    @Test
    void failedStartAsPrimaryReleasesTheLock() {
        Decision d = as("pg0").stopped("in crash recovery").startingAsPrimarySince(NOW - 5000)
                .expect("removed leader key after trying and failing to start postgres",
                        new Action.ReportDemoted(), new ReleaseLeaderLock());
        assertThat(d.memory().startingAsPrimarySince()).isZero();
    }

    @Test
    void aDyingPostmasterTheLeaderOnlyAttachedToIsRestartedInPlace() {
        // seen alive but not accepting connections (postmaster.pid "stopping" during pg_ctl stop -m immediate), so
        // the decider attached to it as a starting postgres; then it was gone: a crash, not our failed start
        Decision d = as("pg0").stopped("in production")
                .attachedStartSince(NOW - 2000)
                .expect("starting primary after failure", new UpdateLeaderLock(), new StartPostgres(true, null));
        assertThat(d.memory().startingAsPrimarySince()).isEqualTo(NOW);
        assertThat(d.memory().startAttached()).isFalse();
    }

    @Test
    void primaryStartTimeoutZeroFailsOverWhenPossible() {
        as("pg0").config("primary_start_timeout", 0).stopped("in production").peer("pg1", 0)
                .expect("stopped PostgreSQL to fail over after a crash",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
    }

    @Test
    void legacyMasterStartTimeoutIsHonoured() {
        as("pg0").config("master_start_timeout", 0).stopped("in production").peer("pg2", 0)
                .expect("stopped PostgreSQL to fail over after a crash",
                        new UpdateLeaderLock(), new Demote(Demote.Mode.IMMEDIATE, null));
    }

    @Test
    void primaryStartTimeoutZeroWithoutCandidatesStartsReadOnly() {
        as("pg0").config("primary_start_timeout", 0).stopped("in production").peerUnreachable("pg1")
                .expect("starting as readonly because i had the session lock",
                        new UpdateLeaderLock(), new StartPostgres(false, null));
    }

    @Test
    void leaderWhoseDataWasAReplicaStartsReadOnly() {
        as("pg0").stopped("shut down in recovery").expect("starting as readonly because i had the session lock",
                new UpdateLeaderLock(), new StartPostgres(false, null));
    }

    @Test
    void stoppedReplicaStartsFollowingTheLeader() {
        as("pg1").stopped("shut down in recovery").expect("starting as a secondary", new StartPostgres(false, "pg0"));
    }

    @Test
    void stoppedReplicaWithReplicatefromStartsFollowingThatMember() {
        as("pg1").tag("replicatefrom", "pg2").stopped("shut down in recovery")
                .expect("starting as a secondary", new StartPostgres(false, "pg2"));
    }

    @Test
    void stoppedFormerPrimaryThatDivergedIsRewoundFirst() {
        as("pg1").stopped("shut down").usePgRewind().rewindNeeded()
                .expect("running pg_rewind from pg0", new Rewind("pg0"));
    }

    /**
     * A killed primary whose WAL ends before the leader's fork point (DivergenceRule left the rewind off and keeps
     * checking): started as a replica of the leader at once, never as a primary, no pg_rewind.
     */
    @Test
    void killedPrimaryWhoseWalIsAPrefixOfTheLeadersStartsFollowingWithoutRewind() {
        as("pg1").stopped("in production").usePgRewind().memory(NodeMemory.INITIAL.withCheckDivergedLsn(true))
                .expect("starting as a secondary", new StartPostgres(false, "pg0"));
    }

    @Test
    void stoppedNodeInUnlockedClusterStartsAsReplicaWithoutSource() {
        as("pg1").unlocked().stopped("shut down in recovery").expect("starting as a secondary",
                new StartPostgres(false, null));
    }

    @Test
    void pausedStoppedReplicaIsNotStarted() {
        as("pg1").paused().stopped("shut down in recovery").expect("postgres is not running");
    }

    @Test
    void pausedStoppedLeaderReleasesTheLock() {
        as("pg0").paused().stopped("shut down").expect("removed leader lock because postgres is not running",
                new ReleaseLeaderLock());
    }
}
