package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.StartPostgres;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import org.junit.jupiter.api.Test;

/**
 * Several consecutive cycles of one node, carrying memory the way the shell does (HaDecider's memory contract,
 * {@link MemoryContract}): store the decision's memory, then apply each action's outcome. Mirrors recovery.feature
 * and the lease rules of §5.4.
 */
class CycleStoriesTest {
    private static final int TTL_SECONDS = 30;
    private static final long TTL_MS = TTL_SECONDS * 1000L;

    /** The shell's part of the memory contract for one executed action (the executor calls the same function). */
    private static NodeMemory afterAction(NodeMemory m, Action a, boolean success, long now) {
        return after(m, a, success ? ActionOutcome.SUCCEEDED : ActionOutcome.refused("refused"), now);
    }

    private static NodeMemory after(NodeMemory m, Action a, ActionOutcome outcome, long now) {
        return MemoryContract.after(a, outcome, now, TTL_SECONDS, m);
    }

    /** Runs all actions successfully and returns the memory for the next cycle. */
    private static NodeMemory executeAll(Decision d, long now) {
        NodeMemory m = d.memory();
        for (Action a : d.actions()) m = afterAction(m, a, true, now);
        return m;
    }

    /** Runs the actions as the executor does: long ones are handed to the background slot (outcome BACKGROUND). */
    private static NodeMemory submitAll(Decision d, long now) {
        NodeMemory m = d.memory();
        for (Action a : d.actions()) {
            boolean longAction = a instanceof Action.Promote || a instanceof Action.StartPostgres
                    || a instanceof Action.Rewind || a instanceof Action.Reinitialize || a instanceof Action.Bootstrap
                    || a instanceof Action.CloneReplica || a instanceof Action.RestartPostgres;
            m = after(m, a, longAction ? ActionOutcome.BACKGROUND : ActionOutcome.SUCCEEDED, now);
        }
        return m;
    }

    @Test
    void crashedPrimaryIsRestartedInPlaceWithoutNewTimeline() {
        long t = NOW;
        Decision d1 = as("pg0").stopped("in production").now(t)
                .expect("starting primary after failure", new UpdateLeaderLock(), new StartPostgres(true, null));
        NodeMemory m = executeAll(d1, t);

        t += 10_000;
        Decision d2 = as("pg0").starting().memory(m).now(t)
                .expect("PostgreSQL is still starting up, 290 seconds until timeout", new UpdateLeaderLock());
        m = executeAll(d2, t);

        t += 10_000;
        Decision d3 = as("pg0").memory(m).now(t).decide();
        assertThat(d3.message()).isEqualTo("no action. I am (pg0), the leader with the lock");
        assertThat(d3.memory().startingAsPrimarySince()).isZero();
        assertThat(d3.memory().wasLeader()).isTrue();
    }

    @Test
    void primaryThatFailsToStartGivesUpTheLock() {
        long t = NOW;
        NodeMemory m = executeAll(as("pg0").stopped("in production").now(t).decide(), t);
        t += 10_000; // the background start finished, postgres is down again
        Decision d = as("pg0").stopped("in crash recovery").memory(m).now(t)
                .expect("removed leader key after trying and failing to start postgres",
                        new Action.ReportDemoted(), new ReleaseLeaderLock());
        assertThat(d.memory().wasLeader()).isFalse();
    }

    @Test
    void refusedRenewalIsFollowedByDemotionInTheReDecide() {
        long t = NOW;
        Decision d1 = as("pg0").now(t).decide();
        NodeMemory m = afterAction(d1.memory(), d1.actions().get(0), false, t); // UpdateLeaderLock refused
        // immediate re-decide; the re-read snapshot may still (briefly) name us
        as("pg0").memory(m).now(t + 50).expect("demoted self because failed to update leader lock in DCS",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
        // or it already names the new leader
        as("pg0").leader("pg1").memory(m).now(t + 50)
                .expect("demoting self because I do not have the lock and I was a leader",
                        new Demote(Demote.Mode.IMMEDIATE_NOLOCK, "pg1"));
    }

    @Test
    void cycleDelayedBeyondTtlTreatsTheLockAsLost() {
        long t = NOW;
        NodeMemory m = executeAll(as("pg0").now(t).decide(), t);
        as("pg0").memory(m).now(t + 29_999).expect("no action. I am (pg0), the leader with the lock",
                new UpdateLeaderLock(), new Action.SyncReplicationSlots(java.util.Set.of("pg1", "pg2")));
        as("pg0").memory(m).now(t + TTL_MS).expect("demoted self because failed to update leader lock in DCS",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    @Test
    void raceWinnerBecomesARenewingLeader() {
        long t = NOW;
        Decision d1 = as("pg1").unlocked().now(t).decide();
        assertThat(d1.message()).isEqualTo("promoted self to leader by acquiring session lock");
        NodeMemory m = executeAll(d1, t);
        t += 10_000;
        as("pg1").leader("pg1").primary().memory(m).now(t).expect("no action. I am (pg1), the leader with the lock",
                new UpdateLeaderLock(), new Action.SyncReplicationSlots(java.util.Set.of("pg0", "pg2")));
    }

    @Test
    void switchoverSourceRejoinsAsReplicaAfterRewind() {
        long t = NOW;
        NodeMemory m = executeAll(as("pg0").failover("pg0", "pg1").peer("pg1", 0).now(t).decide(), t);
        // Demote(GRACEFUL) released the lock: neither the decider nor the shell keeps it
        assertThat(m.wasLeader()).isFalse();
        assertThat(m.lockValidUntil()).isZero();
        // the shell's rewind check found divergence
        m = m.withRewindOrReinitNeeded(true);
        t += 10_000;
        as("pg0").leader("pg1").replica().followed("pg1").usePgRewind().memory(m).now(t)
                .expect("running pg_rewind from pg1", new Action.Rewind("pg1"));
    }

    @Test
    void aPromotionSlowerThanTtlKeepsTheLockRenewedUntilItCompletes() {
        long t = NOW;
        Decision d1 = as("pg1").unlocked().peer("pg2", 0).now(t).decide();
        assertThat(d1.message()).isEqualTo("promoted self to leader by acquiring session lock");
        assertThat(d1.actions()).contains(new Action.Promote());
        NodeMemory m = submitAll(d1, t);
        // pre_promote and pg_ctl promote run in the background for longer than ttl: every cycle renews the lock
        for (int i = 1; i <= 4; i++) {
            t += 10_000;
            Decision d = as("pg1").leader("pg1").replica().task("promote").memory(m).now(t)
                    .expect("updated leader lock during promote", new UpdateLeaderLock());
            m = executeAll(d, t);
            assertThat(MemoryContract.leaseValid(m, t + TTL_MS - 1)).as("renewed at " + t).isTrue();
        }
        assertThat(t - NOW).isGreaterThan(TTL_MS);
        // the task ends: the shell applies its outcome, postgres is now a primary
        m = after(m, new Action.Promote(), ActionOutcome.SUCCEEDED, t + 1);
        t += 10_000;
        as("pg1").leader("pg1").primary().memory(m).now(t).expect("no action. I am (pg1), the leader with the lock",
                new UpdateLeaderLock(), new Action.SyncReplicationSlots(java.util.Set.of("pg0", "pg2")));
    }

    @Test
    void aPrePromoteVetoReleasesTheLockAndBacksOffFromTheRace() {
        long t = NOW;
        NodeMemory m = submitAll(as("pg1").unlocked().peer("pg2", 0).now(t).decide(), t);
        t += 5_000;
        // pre_promote exited non-zero: the task reports a refusal, the shell sets the backoff
        m = after(m, new Action.Promote(), ActionOutcome.refused("pre_promote script exited with 1"), t);
        assertThat(m.preferNoRaceUntil()).isEqualTo(t + TTL_MS);
        Decision release = as("pg1").leader("pg1").replica().memory(m).now(t)
                .warns("Releasing the leader key voluntarily because the pre-promote script failed")
                .expect("Promotion cancelled because the pre-promote script failed", new UpdateLeaderLock(),
                        new ReleaseLeaderLock());
        // a switchover's failover key is cleaned up before the lock is given up (else the other members would wait
        // for this candidate until the backoff ends)
        Decision withKey = as("pg1").leader("pg1").replica().failover("pg0", "pg1").memory(m).now(t).decide();
        assertThat(withKey.message()).isEqualTo("Promotion cancelled because the pre-promote script failed");
        assertThat(withKey.actions()).first().isEqualTo(new UpdateLeaderLock());
        assertThat(withKey.actions()).hasAtLeastOneElementOfType(Action.ClearFailover.class)
                .last().isEqualTo(new ReleaseLeaderLock());
        m = executeAll(release, t);
        assertThat(m.wasLeader()).isFalse();
        // within ttl it stays out of the race; afterwards it may race again
        Decision backoff = as("pg1").unlocked().replica().peer("pg2", 0).memory(m).now(t + 1_000).decide();
        assertThat(backoff.actions()).doesNotContain(new Action.AcquireLeaderLock());
        Decision later = as("pg1").unlocked().replica().peer("pg2", 0).memory(m).now(t + TTL_MS + 1).decide();
        assertThat(later.actions()).contains(new Action.AcquireLeaderLock(), new Action.Promote());
    }

    @Test
    void aLongTaskOfAReplicaThatLostTheLockIsLeftRunningWithoutRenewal() {
        long t = NOW;
        NodeMemory m = submitAll(as("pg1").unlocked().peer("pg2", 0).now(t).decide(), t);
        t += TTL_MS;  // no renewal came through: the lease ran out while promote ran
        assertThat(MemoryContract.leaseValid(m, t)).isFalse();
        Decision d = as("pg1").leader("pg1").replica().task("promote").memory(m).now(t).decide();
        assertThat(d.actions()).doesNotContain(new UpdateLeaderLock());
    }
}
