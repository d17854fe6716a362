package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Promote;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.slots.SlotSpec;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Holding the lock with a running postgres (process_healthy_cluster with the lock, §6.6) and pause (§6.8). */
class LeaderScenariosTest {
    private static final String LEADER_OK = "no action. I am (pg0), the leader with the lock";
    private static final SyncReplicationSlots SLOTS = new SyncReplicationSlots(Set.of("pg1", "pg2"));

    @Test
    void primaryWithLockRenewsAndKeepsSlotsForEveryOtherMember() {
        as("pg0").expect(LEADER_OK, new UpdateLeaderLock(), SLOTS);
    }

    @Test
    void slotNamesAreSanitizedAndNostreamMembersGetNone() {
        as("pg0").member("Node-3.dc").member("pg4").memberTag("pg4", "nostream", true)
                .expect(LEADER_OK, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2", "node_3_dc")));
    }

    @Test
    void permanentPhysicalAndLogicalSlotsAreKeptOnThePrimary() {
        Map<String, SlotSpec> wanted = new java.util.TreeMap<>();
        wanted.put("pg1", SlotSpec.memberStreaming());
        wanted.put("pg2", SlotSpec.memberStreaming());
        wanted.put("test_physical", new SlotSpec("physical", null, null, 0, false, true));
        wanted.put("archiver", new SlotSpec("physical", null, null, 0, false, true));
        wanted.put("test_logical", new SlotSpec("logical", "pgoutput", "postgres", 0, false, true));
        as("pg0").config("slots", Map.of("test_physical", 0, "archiver", Map.of("type", "physical"),
                        "test_logical", Map.of("type", "logical", "database", "postgres", "plugin", "pgoutput")))
                .expect(LEADER_OK, new UpdateLeaderLock(), new SyncReplicationSlots(wanted));
    }

    @Test
    void useSlotsOffMeansNoSlotManagement() {
        as("pg0").config("postgresql", Map.of("use_slots", false)).expect(LEADER_OK, new UpdateLeaderLock());
    }

    @Test
    void replicaHoldingTheLockPromotes() {
        as("pg0").replica().expect("promoted self to leader because I had the session lock",
                new UpdateLeaderLock(), new dev.regent.core.ha.action.Action.PrepareReplicationSlots(
                        java.util.Set.of("pg1", "pg2")), new Promote());
    }

    @Test
    void firstCycleAfterRestartRenewsALockFromThePreviousRun() {
        as("pg0").notWasLeader().expect(LEADER_OK, new UpdateLeaderLock(), SLOTS);
    }

    @Test
    void refusedRenewalDemotesImmediatelyWithoutTouchingTheLock() {
        as("pg0").wasLeader(0).expect("demoted self because failed to update leader lock in DCS",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    @Test
    void lockValidityRunOutWithoutRenewalDemotes() {
        as("pg0").wasLeader(NOW - 1).expect("demoted self because failed to update leader lock in DCS",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null));
    }

    @Test
    void lapsedLockOnAReplicaOnlyPostponesPromotion() {
        Decision d = as("pg0").replica().wasLeader(0)
                .expect("not promoting because failed to update leader lock in DCS");
        assertThat(d.memory().wasLeader()).isFalse(); // next cycle tries a fresh renewal
    }

    @Test
    void pausedPrimaryKeepsRunningAfterFailedRenewal() {
        as("pg0").paused().wasLeader(0).expect("continue to run as primary after failing to update leader lock in DCS",
                new UpdateLeaderLock());
    }

    @Test
    void pausedLeaderStillRenewsTheLock() {
        as("pg0").paused().expect(LEADER_OK, new UpdateLeaderLock(), SLOTS);
    }

    @Test
    void pausedLeaderWhosePostgresIsNoLongerPrimaryReleasesTheLock() {
        as("pg0").paused().replica().expect("removed leader lock because postgres is not running as primary",
                new ReleaseLeaderLock());
    }

    @Test
    void pausedSwitchoverCandidateWaitsForItsPromotion() {
        as("pg1").leader("pg1").paused().replica().wasLeader(NOW + 1000).failover(null, "pg1")
                .expect("waiting to become primary after promote...", new UpdateLeaderLock());
    }

    @Test
    void renewingLeaderKeepsItsLockBookkeeping() {
        Decision d = as("pg0").decide();
        assertThat(d.memory().wasLeader()).isTrue();
        assertThat(d.memory().lockValidUntil()).isEqualTo(NOW + 30_000);
    }
}
