package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.WALL;
import static dev.regent.core.ha.Scenario.as;

import dev.regent.core.ha.action.Action.ClearFailover;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.ha.action.Action.WaitUntil;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leader side of switchover/failover (process_manual_failover_from_leader, §6.9). */
class ManualFailoverScenariosTest {
    private static final String LEADER_OK = "no action. I am (pg0), the leader with the lock";
    private static final SyncReplicationSlots SLOTS = new SyncReplicationSlots(Set.of("pg1", "pg2"));

    @Test
    void switchoverToHealthyCandidateDemotesGracefully() {
        as("pg0").failover("pg0", "pg1").peer("pg1", 0).expect("switchover: demoting myself",
                new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg1"));
    }

    @Test
    void failoverToHealthyCandidateDemotesGracefully() {
        as("pg0").failover(null, "pg2").peer("pg2", 0).expect("manual failover: demoting myself",
                new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg2"));
    }

    @Test
    void switchoverWithoutCandidateNeedsAnyHealthyMember() {
        as("pg0").failover("pg0", null).peerUnreachable("pg1").peer("pg2", 0).expect("switchover: demoting myself",
                new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, null));
    }

    @Test
    void unreachableCandidateClearsTheKey() {
        as("pg0").failover("pg0", "pg1").peerUnreachable("pg1").peer("pg2", 0)
                .warns("switchover: no healthy members found, switchover is not possible")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void laggingCandidateClearsTheKey() {
        as("pg0").optime(2_000_000).failover("pg0", "pg1").peer("pg1", 100)
                .warns("switchover: no healthy members found, switchover is not possible")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void nofailoverCandidateClearsTheKey() {
        as("pg0").failover("pg0", "pg1").peer("pg1", 0, 0)
                .warns("switchover: no healthy members found, switchover is not possible")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void candidateOnOlderTimelineIsRejectedWithCheckTimeline() {
        as("pg0").config("check_timeline", true).clusterTimeline(3).timeline(3).failover("pg0", "pg1")
                .peerTimeline("pg1", 0, 2)
                .warns("switchover: no healthy members found, switchover is not possible")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void switchoverFromAnotherLeaderIsDropped() {
        as("pg0").failover("pg2", "pg1").peer("pg1", 0)
                .warns("switchover: leader name does not match: pg2 != pg0")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void failoverToMyselfIsDropped() {
        as("pg0").failover(null, "pg0").warns("manual failover: I am already the leader, no need to failover")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void scheduledSwitchoverInTheFutureWaits() {
        as("pg0").scheduledSwitchover("pg0", "pg1", 60).peer("pg1", 0)
                .warns("Awaiting switchover at 2023-11-14T22:14:20+00:00 (in 60 seconds)")
                .expect(LEADER_OK, new UpdateLeaderLock(), SLOTS);
    }

    @Test
    void scheduledSwitchoverWithinLoopWaitSleepsThenDemotes() {
        as("pg0").scheduledSwitchover("pg0", "pg1", 5).peer("pg1", 0).expect("switchover: demoting myself",
                new UpdateLeaderLock(), new WaitUntil(WALL + 5000), new Demote(Demote.Mode.GRACEFUL, "pg1"));
    }

    @Test
    void slightlyLateScheduledSwitchoverRunsAtOnce() {
        as("pg0").scheduledSwitchover("pg0", "pg1", -10).peer("pg1", 0).expect("switchover: demoting myself",
                new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg1"));
    }

    @Test
    void staleScheduledSwitchoverIsCleared() {
        as("pg0").scheduledSwitchover("pg0", "pg1", -20).peer("pg1", 0)
                .warns("Found a stale switchover value, cleaning up: 2023-11-14T22:13:00+00:00")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void scheduledSwitchoverIsIgnoredInPause() {
        as("pg0").paused().scheduledSwitchover("pg0", "pg1", 0).peer("pg1", 0)
                .expect(LEADER_OK, new UpdateLeaderLock(), SLOTS);
    }

    @Test
    void pausedSwitchoverNeedsACandidate() {
        as("pg0").paused().failover("pg0", null).peer("pg1", 0)
                .warns("Switchover is possible only to a specific candidate in a paused state")
                .expect(LEADER_OK, new UpdateLeaderLock(), new ClearFailover(7), SLOTS);
    }

    @Test
    void pausedSwitchoverToCandidateIsAllowed() {
        as("pg0").paused().failover("pg0", "pg1").peer("pg1", 0).expect("switchover: demoting myself",
                new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg1"));
    }

    @Test
    void switchoverWhileLeaderIsStillStartingIsProcessed() {
        as("pg0").starting().startingAsPrimarySince(Scenario.NOW).failover("pg0", "pg1").peer("pg1", 0)
                .expect("switchover: demoting myself", new UpdateLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg1"));
    }
}
