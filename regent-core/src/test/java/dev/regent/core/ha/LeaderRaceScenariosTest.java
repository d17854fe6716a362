package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;

import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.ClearFailover;
import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.KeepFailoverCandidate;
import dev.regent.core.ha.action.Action.PrepareReplicationSlots;
import dev.regent.core.ha.action.Action.Promote;
import org.junit.jupiter.api.Test;

/** Unlocked cluster: is_healthiest_node, the winner's actions, the losers' (§6.5, candidate side of §6.9). */
class LeaderRaceScenariosTest {
    private static final String NOT_HEALTHIEST = "following a different leader because i am not the healthiest node";
    private static final String PROMOTED = "promoted self to leader by acquiring session lock";
    /** The winner pg1 creates the slots of the other members before it promotes. */
    private static final PrepareReplicationSlots PREPARE =
            new PrepareReplicationSlots(java.util.Set.of("pg0", "pg2"));

    /** pg1, a replica at WAL 1000 in a cluster whose leader key (pg0) expired. */
    private static Scenario race() {
        return as("pg1").unlocked().wal(1000).optime(1000);
    }

    @Test
    void mostAdvancedReplicaWins() {
        race().peer("pg0", 900).peer("pg2", 999).expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void withoutSlotsTheWinnerPromotesWithoutPreparingAny() {
        race().config("postgresql", java.util.Map.of("use_slots", false)).peer("pg0", 900).peer("pg2", 999)
                .expect(PROMOTED, new AcquireLeaderLock(), new Promote());
    }

    @Test
    void peerAheadWins() {
        race().peer("pg2", 1001).informs("Wal position of pg2 is ahead of my wal position").expect(NOT_HEALTHIEST);
    }

    @Test
    void livePrimaryStopsTheRace() {
        race().peerPrimary("pg0", 500).warns("Primary (pg0) is still alive").expect(NOT_HEALTHIEST);
    }

    @Test
    void equalWalHigherPriorityPeerWins() {
        race().peer("pg2", 1000, 2)
                .informs("pg2 has equally tolerable WAL position and priority 2, while this node has priority 1")
                .expect(NOT_HEALTHIEST);
    }

    @Test
    void equalWalLowerOrEqualPriorityPeerLoses() {
        race().tag("failover_priority", 3).peer("pg2", 1000, 2)
                .expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void unreachablePeersAreIgnored() {
        race().peerUnreachable("pg0").peerUnreachable("pg2")
                .expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void nofailoverPeerAheadIsIgnored() {
        race().memberTag("pg2", "nofailover", true).peer("pg2", 5000)
                .expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void peerAnsweringWithPriorityZeroIsIgnored() {
        race().peer("pg2", 5000, 0).expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void replicaLaggingBeyondMaximumLagDoesNotRace() {
        race().optime(1000 + 1048577).expect(NOT_HEALTHIEST);
    }

    @Test
    void lagExactlyAtTheLimitIsTolerated() {
        race().optime(1000 + 1048576).expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void customMaximumLagOnFailover() {
        race().config("maximum_lag_on_failover", 10).optime(1011).expect(NOT_HEALTHIEST);
    }

    @Test
    void checkTimelineRejectsOldTimeline() {
        race().config("check_timeline", true).clusterTimeline(2).timeline(1).expect(NOT_HEALTHIEST);
    }

    @Test
    void oldTimelineIsFineWithoutCheckTimeline() {
        race().clusterTimeline(2).timeline(1).expect(PROMOTED, new AcquireLeaderLock(), PREPARE, new Promote());
    }

    @Test
    void nofailoverNodeNeverRaces() {
        race().tag("nofailover", true).expect("following a different leader because I am not allowed to promote");
    }

    @Test
    void backoffAfterFailedPrePromote() {
        race().memory(NodeMemory.INITIAL.withPreferNoRaceUntil(NOW + 1)).expect(NOT_HEALTHIEST);
    }

    @Test
    void primaryWithoutLockTakesItBack() {
        as("pg0").unlocked().wal(2000).expect("acquired session lock as a leader", new AcquireLeaderLock());
    }

    @Test
    void primaryOnOlderTimelineThanClusterDemotes() {
        as("pg0").unlocked().clusterTimeline(3).timeline(2).expect("demoting self because i am not the healthiest node",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    @Test
    void nofailoverPrimaryStillTakesBackItsLock() {
        // Patroni checks "still a primary" before the nofailover tag: a running primary is never torn down by the race
        as("pg0").unlocked().tag("nofailover", true)
                .expect("acquired session lock as a leader", new AcquireLeaderLock());
    }

    @Test
    void winnerConsumesTheFailoverKey() {
        race().failover(null, "pg1")
                .expect(PROMOTED, new AcquireLeaderLock(), new ClearFailover(7), PREPARE, new Promote());
    }

    @Test
    void namedCandidateElsewhereHealthyMakesMeStandDown() {
        race().failover("pg0", "pg2").peer("pg2", 10).expect(NOT_HEALTHIEST);
    }

    @Test
    void unhealthyCandidateFallsBackToRaceWithoutFormerLeaderAndWithoutLagCheck() {
        race().optime(1 << 30).failover("pg0", "pg2").peerUnreachable("pg2").peer("pg0", 5000)
                .expect(PROMOTED, new AcquireLeaderLock(), new ClearFailover(7), PREPARE, new Promote());
    }

    @Test
    void fallbackRaceStillRespectsPeersAhead() {
        race().failover("pg0", "pg3").member("pg3").peerUnreachable("pg3").peer("pg2", 1200)
                .informs("Wal position of pg2 is ahead of my wal position").expect(NOT_HEALTHIEST);
    }

    @Test
    void formerLeaderStandsDownWhenAnotherMemberCanTakeOver() {
        as("pg0").unlocked().replica().wal(1000).failover("pg0", null).peer("pg1", 990).expect(NOT_HEALTHIEST);
    }

    @Test
    void formerLeaderWinsAgainWhenNobodyElseIsEligible() {
        as("pg0").unlocked().replica().wal(1000).failover("pg0", null).peerUnreachable("pg1").peer("pg2", 900, 0)
                .expect(PROMOTED, new AcquireLeaderLock(), new ClearFailover(7),
                        new PrepareReplicationSlots(java.util.Set.of("pg1", "pg2")), new Promote());
    }

    @Test
    void pausedReplicaDoesNotRace() {
        race().paused().peerUnreachable("pg2").expect("no action. I am (pg1)");
    }

    @Test
    void pausedPrimaryTakesTheLock() {
        as("pg0").unlocked().paused().expect("acquired session lock as a leader", new AcquireLeaderLock());
    }

    /**
     * Regent, stricter than Patroni 4: a paused primary on an older timeline than /history's does not take the lock,
     * which would discard the newer timeline's acknowledged commits (simulator, fast profile, seed 2729: a frozen old
     * primary resumed in pause beside the failsafe primary that had promoted past it).
     */
    @Test
    void pausedPrimaryOnOlderTimelineThanClusterKeepsRunningWithoutLock() {
        as("pg0").unlocked().paused().clusterTimeline(3).timeline(2)
                .warns("My timeline 2 is behind last known cluster timeline 3")
                .expect("continue to run as primary without lock");
        as("pg0").unlocked().paused().clusterTimeline(3).timeline(3)
                .expect("acquired session lock as a leader", new AcquireLeaderLock());
        as("pg0").unlocked().paused().clusterTimeline(2).timeline(2).peerPrimaryOn("pg2", 900, 3)
                .warns("My timeline 2 is behind the timeline 3 of primary pg2")
                .expect("continue to run as primary without lock");
        as("pg0").unlocked().paused().clusterTimeline(2).timeline(2).peerPrimaryOn("pg2", 900, 2)
                .expect("acquired session lock as a leader", new AcquireLeaderLock());
    }

    @Test
    void pausedSwitchoverCandidatePromotesAndKeepsTheCandidate() {
        race().paused().failover("pg0", "pg1")
                .expect(PROMOTED, new AcquireLeaderLock(), new KeepFailoverCandidate(7, "pg1"), PREPARE,
                        new Promote());
    }

    @Test
    void pausedFailoverToOtherCandidateMeansNoAction() {
        race().paused().failover("pg0", "pg2").expect("no action. I am (pg1)");
    }

    @Test
    void pausedPrimaryClearsAVanishedCandidateAndTakesTheLock() {
        as("pg0").unlocked().paused().failover("pg0", "pg7")
                .warns("switchover: removing failover key because failover candidate is not running")
                .expect("acquired session lock as a leader", new ClearFailover(7), new AcquireLeaderLock());
    }

    @Test
    void pausedReplicaLeavesAVanishedCandidateToThePrimary() {
        race().paused().failover("pg0", "pg7").expect("no action. I am (pg1)");
    }

    @Test
    void pausedPrimaryNotTheCandidateKeepsRunningWithoutLock() {
        as("pg0").unlocked().paused().failover("pg0", "pg2").expect("continue to run as primary without lock");
    }
}
