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
 * Several consecutive cycles of one node, carrying memory the way the shell must (HaDecider's memory contract):
 * store the decision's memory, then apply lock outcomes. Mirrors recovery.feature and the lease rules of §5.4.
 */
class CycleStoriesTest {
    private static final long TTL_MS = 30_000;

    /** The shell's part of the memory contract for one executed action. */
    private static NodeMemory afterAction(NodeMemory m, Action a, boolean success, long now) {
        boolean lockAction = a instanceof Action.AcquireLeaderLock || a instanceof Action.UpdateLeaderLock
                || a instanceof Action.Bootstrap;
        if (lockAction && success) return m.withLockValidUntil(now + TTL_MS).withWasLeader(true);
        if (a instanceof Action.UpdateLeaderLock) return m.withLockValidUntil(0);
        if (a instanceof Action.Demote || a instanceof Action.ReleaseLeaderLock) {
            return m.withWasLeader(false).withLockValidUntil(0);
        }
        return m;
    }

    /** Runs all actions successfully and returns the memory for the next cycle. */
    private static NodeMemory executeAll(Decision d, long now) {
        NodeMemory m = d.memory();
        for (Action a : d.actions()) m = afterAction(m, a, true, now);
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
}
