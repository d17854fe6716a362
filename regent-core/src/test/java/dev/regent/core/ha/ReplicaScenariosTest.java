package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Demote;
import dev.regent.core.ha.action.Action.Follow;
import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.Rewind;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.slots.SlotSpec;
import org.junit.jupiter.api.Test;

/** Another member holds the lock and postgres runs (follow(), §6.6) plus rewind/reinit of diverged data (§6.11). */
class ReplicaScenariosTest {
    private static final String FOLLOWING = "no action. I am (pg1), a secondary, and following a leader (pg0)";

    @Test
    void replicaFollowingTheLeaderDoesNothing() {
        as("pg1").expect(FOLLOWING);
    }

    @Test
    void replicaFollowingAnotherMemberIsRepointed() {
        as("pg1").followed("pg2").expect(FOLLOWING, new Follow("pg0"));
    }

    @Test
    void replicaWithoutPrimaryConninfoStartsFollowing() {
        as("pg1").followed(null).expect(FOLLOWING, new Follow("pg0"));
    }

    @Test
    void replicatefromTagCascadesFromThatMember() {
        as("pg1").tag("replicatefrom", "pg2").expect(FOLLOWING, new Follow("pg2"));
    }

    @Test
    void replicatefromAnUnknownMemberFallsBackToTheLeader() {
        as("pg1").tag("replicatefrom", "pg7").followed("pg2").expect(FOLLOWING, new Follow("pg0"));
    }

    @Test
    void withMemberSlotsTtlAReplicaKeepsEveryMembersSlotAndSyncsEvenWithoutCascade() {
        SlotSpec idle = new SlotSpec("physical", null, null, 0, false, false);
        as("pg1").config("member_slots_ttl", "30min")
                .expect(FOLLOWING, new SyncReplicationSlots(java.util.Map.of("pg0", idle, "pg2", idle)));
        as("pg1").config("member_slots_ttl", "30min").config("postgresql", java.util.Map.of("use_slots", false))
                .expect(FOLLOWING);
    }

    @Test
    void replicaKeepsSlotsForTheMembersThatCascadeFromIt() {
        // Patroni's get_replication_slots on a replica: slots for members whose replicatefrom names it (not nostream)
        as("pg1").member("pg2").memberTag("pg2", "replicatefrom", "pg1").member("pg3")
                .memberTag("pg3", "replicatefrom", "pg1").memberTag("pg3", "nostream", true)
                .expect(FOLLOWING, new SyncReplicationSlots(java.util.Set.of("pg2")));
    }

    @Test
    void replicaKeepsNoCascadeSlotsWithoutUseSlots() {
        as("pg1").config("postgresql", java.util.Map.of("use_slots", false)).member("pg2")
                .memberTag("pg2", "replicatefrom", "pg1").expect(FOLLOWING);
    }

    @Test
    void nostreamReplicaStopsStreaming() {
        as("pg1").tag("nostream", true).expect(FOLLOWING, new Follow(null));
    }

    @Test
    void nostreamReplicaWithoutConninfoIsLeftAlone() {
        as("pg1").tag("nostream", true).followed(null).expect(FOLLOWING);
    }

    @Test
    void primaryWithoutTheLockDemotes() {
        as("pg1").primary().expect("demoting self because I do not have the lock and I was a leader",
                new Demote(Demote.Mode.IMMEDIATE_NOLOCK, "pg0"));
    }

    @Test
    void pausedPrimaryWithoutTheLockIsLeftAlone() {
        as("pg1").primary().paused().expect("continue to run as primary without lock");
    }

    @Test
    void divergedReplicaIsRewoundFromTheLeader() {
        Decision d = as("pg1").usePgRewind().rewindNeeded().expect("running pg_rewind from pg0", new Rewind("pg0"));
        assertThat(d.memory().rewindOrReinitNeeded()).isFalse();
    }

    @Test
    void divergedReplicaWithoutRewindIsReinitializedWhenAllowed() {
        as("pg1").removeDataOnDivergedTimelines().rewindNeeded().expect("reinitializing due to diverged timelines",
                new Reinitialize("pg0"));
    }

    @Test
    void divergedMemberOfAStandbyClusterIsNeverReinitializedAndRewindsOnceAllowed() {
        // Patroni 4 skips the re-clone for diverged timelines in a standby cluster; the need stays noted (its rewind
        // state stays NEED), so use_pg_rewind turned on later rewinds from the remote primary
        String standbyFollowing = "no action. I am (pg1), a secondary, and following a standby leader (pg0)";
        Decision stays = as("pg1").standbyCluster("10.0.0.9", 5433).followed("pg0").followingStandby()
                .removeDataOnDivergedTimelines().rewindNeeded().decide();
        assertThat(stays.message()).isEqualTo(standbyFollowing);
        assertThat(stays.actions()).noneMatch(a -> a instanceof Reinitialize);
        assertThat(stays.infos()).singleElement().asString().contains("use_pg_rewind is off: staying behind");
        assertThat(stays.memory().rewindOrReinitNeeded()).isTrue();

        Decision rewound = as("pg1").standbyCluster("10.0.0.9", 5433).followed("pg0").followingStandby()
                .removeDataOnDivergedTimelines().usePgRewind().memory(stays.memory()).decide();
        assertThat(rewound.message()).isEqualTo("running pg_rewind from the remote primary");
        assertThat(rewound.actions()).singleElement().isInstanceOf(Rewind.class);
    }

    @Test
    void divergedStandbyLeaderIsNeverReinitializedAndRewindsOnceAllowed() {
        Decision stays = as("pg0").leader("pg0").wasLeader(2_000_000).replica().standbyCluster("10.0.0.9", 5433)
                .followingStandby().removeDataOnDivergedTimelines().rewindNeeded().decide();
        assertThat(stays.message()).isEqualTo("no action. I am (pg0), the standby leader with the lock");
        assertThat(stays.actions()).noneMatch(a -> a instanceof Reinitialize);
        assertThat(stays.infos()).singleElement().asString()
                .contains("whatever remove_data_directory_on_diverged_timelines says");
        assertThat(stays.memory().rewindOrReinitNeeded()).isTrue();

        Decision rewound = as("pg0").leader("pg0").replica().standbyCluster("10.0.0.9", 5433).followingStandby()
                .usePgRewind().memory(stays.memory()).decide();
        assertThat(rewound.message()).isEqualTo("running pg_rewind from the remote primary");
        assertThat(rewound.memory().rewindOrReinitNeeded()).isFalse();
    }

    @Test
    void divergedReplicaWithNoRemedyKeepsFollowing() {
        Decision d = as("pg1").rewindNeeded().expect(FOLLOWING);
        assertThat(d.memory().rewindOrReinitNeeded()).isTrue();
    }

    @Test
    void divergedReplicaIsRewoundAlsoWhilePaused() {
        // Patroni's follow(): the pause shortcut is skipped when a rewind is needed and allowed and there is a leader
        as("pg1").paused().usePgRewind().rewindNeeded().expect("running pg_rewind from pg0", new Rewind("pg0"));
    }

    @Test
    void pausedDivergedReplicaWithoutRemedyKeepsFollowing() {
        as("pg1").paused().rewindNeeded().expect(FOLLOWING);
    }

    @Test
    void memberWithoutLockForgetsItWasLeader() {
        Decision d = as("pg1").wasLeader(Scenario.NOW + 5000).decide();
        assertThat(d.memory().wasLeader()).isFalse();
        assertThat(d.memory().lockValidUntil()).isZero();
    }
}
