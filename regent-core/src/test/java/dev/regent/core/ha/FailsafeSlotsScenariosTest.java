package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.model.ClusterView;
import dev.regent.core.slots.ExistingSlot;
import dev.regent.core.slots.SlotSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Failsafe mode and replication slots (Patroni 4's Failsafe.update_cluster and _sync_replication_slots(dcs_failed)):
 * the primary's {@code POST /failsafe} carries its slot positions; a replica that accepted it advances its permanent
 * slot copies to them while the DCS is unreachable, as it would from {@code /status.slots}, and copies no logical
 * slots while failsafe mode is active. The primary that failsafe mode keeps running syncs its own slots against the
 * last snapshot with every cascading member at the position it answered in the {@code lsn} header, so that its slot
 * of that member keeps advancing.
 */
class FailsafeSlotsScenariosTest {
    private static final Map<String, Long> BODY_SLOTS = Map.of("perm_phys", 5_000L, "perm_logical", 6_000L,
            "pg0", 7_000L);
    private static final SlotSpec PHYS_AT_5000 = new SlotSpec(SlotSpec.PHYSICAL, null, null, 5_000, false, true);
    private static final SlotSpec LOGICAL_AT_6000 =
            new SlotSpec(SlotSpec.LOGICAL, "test_decoding", "postgres", 6_000, false, true);

    private static Map<String, Object> permanentSlots() {
        Map<String, Object> slots = new LinkedHashMap<>();
        slots.put("perm_phys", Map.of("type", "physical"));
        slots.put("perm_logical", Map.of("type", "logical", "plugin", "test_decoding", "database", "postgres"));
        return slots;
    }

    /** pg1, a replica of pg0, with permanent slots; the last snapshot read published old positions. */
    private static Scenario replica() {
        return as("pg1").failsafeMode().config("slots", permanentSlots()).knownFailsafe("pg0,pg1,pg2")
                .statusSlots(Map.of("perm_phys", 1_000L, "perm_logical", 1_500L));
    }

    @Test
    void dcsDownAReplicaAdvancesItsPermanentSlotsToThePositionsOfTheAcceptedPost() {
        Decision d = replica().dcsDown().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS)
                .expect("DCS is not accessible",
                        new SyncReplicationSlots(Map.of("perm_phys", PHYS_AT_5000, "perm_logical", LOGICAL_AT_6000),
                                false));
        assertThat(d.infos()).anyMatch(l -> l.startsWith("failsafe mode: syncing replication slots")
                && l.contains("perm_phys=5000") && l.contains("from pg0"));
    }

    @Test
    void dcsDownAReplicaKeepsItsMembersSlotsAtThePostedPositionsWithMemberSlotsTtl() {
        // Patroni 4 (member_slots_ttl): every replica keeps every member's slot; pg0's own slot advances to the WAL
        // position the primary posted, pg2's (not in the body) to the member's last published position
        replica().config("member_slots_ttl", "30min").dcsDown().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS)
                .expect("DCS is not accessible", new SyncReplicationSlots(Map.of(
                        "perm_phys", PHYS_AT_5000, "perm_logical", LOGICAL_AT_6000,
                        "pg0", new SlotSpec(SlotSpec.PHYSICAL, null, null, 7_000, false, false),
                        "pg2", new SlotSpec(SlotSpec.PHYSICAL, null, null, 0, false, false)), false));
    }

    @Test
    void dcsDownWithoutAFreshAcceptanceTheSlotsAreLeftAlone() {
        replica().dcsDown().failsafeLeader("pg0", NOW - 30_000, BODY_SLOTS).expect("DCS is not accessible");
        replica().dcsDown().expect("DCS is not accessible");
    }

    @Test
    void dcsDownAPostWithoutSlotsGivesNoPositionsSoNothingAdvances() {
        // a Patroni 3.0 primary may post "slots": null: the copies are kept, at position 0 nothing is advanced
        replica().dcsDown().failsafeLeader("pg0", NOW - 5_000)
                .expect("DCS is not accessible", new SyncReplicationSlots(Map.of(
                        "perm_phys", new SlotSpec(SlotSpec.PHYSICAL, null, null, 0, false, true),
                        "perm_logical", new SlotSpec(SlotSpec.LOGICAL, "test_decoding", "postgres", 0, false, true)),
                        false));
    }

    @Test
    void dcsDownNoSyncWhenFailsafeIsOffPausedStoppedOrSlotsAreOff() {
        as("pg1").config("slots", permanentSlots()).dcsDown().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS)
                .expect("DCS is not accessible");
        replica().paused().dcsDown().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS).expect("DCS is not accessible");
        replica().stopped("shut down in recovery").dcsDown().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS)
                .expect("DCS is not accessible");
        replica().config("postgresql", Map.of("use_slots", false)).dcsDown()
                .failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS).expect("DCS is not accessible");
    }

    @Test
    void dcsBackLeaderKeyExpiredTheAcceptedPostsSlotsStandInForStatusSlotsAndNothingIsCopied() {
        replica().unlocked().failsafeLeader("pg0", NOW - 5_000, BODY_SLOTS).peer("pg0", 0).peer("pg2", 0)
                .expect("no action. I am (pg1), a secondary, and following a leader (pg0)",
                        new SyncReplicationSlots(Map.of("perm_phys", PHYS_AT_5000, "perm_logical", LOGICAL_AT_6000),
                                false));
    }

    @Test
    void withTheLeaderKeyAndNoFreshAcceptanceLogicalSlotsMayBeCopiedFromStatus() {
        Decision d = replica().decide();
        SyncReplicationSlots sync = (SyncReplicationSlots) d.actions().get(d.actions().size() - 1);
        assertThat(sync.copyLogical()).isTrue();
        assertThat(sync.wanted().get("perm_phys").lsn()).isEqualTo(1_000L);
    }

    /**
     * pg0, the primary, DCS down, every member accepted: pg1 streams from it, pg2 cascades from pg1 (member_slots_ttl,
     * so pg0 keeps an inactive slot of pg2). The last snapshot: pg2 at 1200, pg0's own published slot positions.
     */
    private static Scenario primaryWithCascade() {
        return as("pg0").failsafeMode().config("member_slots_ttl", "30min").memberTag("pg2", "replicatefrom", "pg1")
                .memberWal("pg1", 2_000).memberWal("pg2", 1_200).statusSlots(Map.of("pg1", 1_900L, "pg2", 1_000L))
                .dcsDown().knownFailsafe("pg0,pg1,pg2");
    }

    private static SlotSpec phys(long lsn) {
        return new SlotSpec(SlotSpec.PHYSICAL, null, null, lsn, false, false);
    }

    @Test
    void dcsDownThePrimaryAdvancesTheSlotOfACascadingMemberToThePositionItAnswered() {
        Decision d = primaryWithCascade().failsafeAccepted("pg1", 9_000).failsafeAccepted("pg2", 8_000)
                .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe(), new SyncReplicationSlots(
                        Map.of("pg1", SlotSpec.memberStreaming(), "pg2", phys(8_000)), false));
        assertThat(d.infos()).anyMatch(l -> l.startsWith("failsafe mode: syncing replication slots")
                && l.contains("pg2=8000"));
    }

    @Test
    void dcsDownTheSlotOfAMemberStreamingFromThePrimaryIsNotDrivenByItsAnswer() {
        // pg1 answered 9000 but streams from pg0 itself: its slot is expected active and never advanced
        Decision d = primaryWithCascade().failsafeAccepted("pg1", 9_000).failsafeAccepted("pg2", 8_000).decide();
        SyncReplicationSlots sync = (SyncReplicationSlots) d.actions().get(1);
        assertThat(sync.wanted().get("pg1")).isEqualTo(SlotSpec.memberStreaming());
        assertThat(sync.wanted().get("pg1").lsn()).isZero();
    }

    @Test
    void dcsDownWithoutAUsablePositionTheCascadingMemberKeepsItsLastPublishedOne() {
        // no lsn header, an unparsable one (null), zero or negative: the member stays where the snapshot had it
        for (Long lsn : new Long[] {null, 0L, -5L}) {
            primaryWithCascade().failsafeAccepted("pg1", 9_000).failsafeAcceptedAt("pg2", lsn)
                    .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe(), new SyncReplicationSlots(
                            Map.of("pg1", SlotSpec.memberStreaming(), "pg2", phys(1_200)), false));
        }
    }

    @Test
    void dcsDownAPositionBehindTheOnePublishedForTheSlotDoesNotMoveItBack() {
        primaryWithCascade().statusSlots(Map.of("pg2", 8_500L)).failsafeAccepted("pg1", 9_000)
                .failsafeAccepted("pg2", 8_000)
                .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe(), new SyncReplicationSlots(
                        Map.of("pg1", SlotSpec.memberStreaming(), "pg2", phys(8_500)), false));
    }

    @Test
    void dcsDownAnAnswerOfAMemberMissingFromTheSnapshotAddsNoSlot() {
        // pg3 is in /failsafe but its member key had expired before the DCS went away: no slot is made for it
        primaryWithCascade().knownFailsafe("pg0,pg1,pg2,pg3").failsafeAccepted("pg1", 9_000)
                .failsafeAccepted("pg2", 8_000).failsafeAccepted("pg3", 7_000)
                .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe(), new SyncReplicationSlots(
                        Map.of("pg1", SlotSpec.memberStreaming(), "pg2", phys(8_000)), false));
    }

    @Test
    void dcsDownThePrimaryKeepsItsPermanentSlotsAndSyncsNothingWithSlotsOff() {
        as("pg0").failsafeMode().config("slots", permanentSlots()).dcsDown().knownFailsafe("pg0,pg1")
                .failsafeAccepted("pg1", 100)
                .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe(), new SyncReplicationSlots(Map.of(
                        "pg1", SlotSpec.memberStreaming(), "pg2", SlotSpec.memberStreaming(),
                        "perm_phys", new SlotSpec(SlotSpec.PHYSICAL, null, null, 0, false, true),
                        "perm_logical", new SlotSpec(SlotSpec.LOGICAL, "test_decoding", "postgres", 0, false, true)),
                        false));
        primaryWithCascade().config("postgresql", Map.of("use_slots", false)).failsafeAccepted("pg1", 9_000)
                .failsafeAccepted("pg2", 8_000)
                .expect(FailsafeRule.KEEP_RUNNING, new Action.KeepLeadingInFailsafe());
    }

    @Test
    void dcsDownARefusalStillDemotesWithoutTouchingSlots() {
        primaryWithCascade().failsafeAccepted("pg1", 9_000).failsafeRefused("pg2")
                .expect(FailsafeRule.DEMOTE, new Action.Demote(Action.Demote.Mode.OFFLINE, null));
    }

    @Test
    void aReplicaSeesACascadingMemberAtThePositionOfItsSlotInTheAcceptedPost() {
        // Patroni's update_cluster on a replica: the primary's slot of a cascading member is where that member is
        ClusterView last = as("pg1").memberTag("pg2", "replicatefrom", "pg1").memberWal("pg2", 1_200)
                .memberWal("pg0", 3_000).input().cluster();
        FailsafeLeader accepted = new FailsafeLeader("pg0", "http://pg0:8008/patroni", "postgres://pg0/postgres",
                NOW, Map.of("pg2", 8_000L, "pg1", 9_000L, "pg0", 9_500L));
        ClusterView view = FailsafeRule.failsafeCluster(last, accepted);
        assertThat(view.member("pg2").orElseThrow().walPosition()).isEqualTo(8_000);
        assertThat(view.member("pg0").orElseThrow().walPosition()).as("not cascading").isEqualTo(3_000);
        assertThat(view.member("pg1").orElseThrow().walPosition()).as("not cascading").isZero();
        assertThat(view.status().slots()).isEqualTo(accepted.slots());
        // no slot of it in the body: unchanged
        assertThat(FailsafeRule.failsafeCluster(last, new FailsafeLeader("pg0", null, null, NOW))
                .member("pg2").orElseThrow().walPosition()).isEqualTo(1_200);
    }

    @Test
    void thePostedSlotsAreEveryManagedSlotsPositionPlusTheLeadersOwnSlotAtItsWalPosition() {
        LocalPostgres primary = primary(150004, 9_000);
        List<ExistingSlot> existing = List.of(
                ExistingSlot.physical("perm_phys", false, 5_000L),
                ExistingSlot.logical("perm_logical", "test_decoding", "postgres", true, 6_000L),
                ExistingSlot.physical("pg1", true, 8_500L),
                ExistingSlot.physical("unreserved", false, null),
                new ExistingSlot("tmp", SlotSpec.PHYSICAL, null, null, true, true, false, 4_000L, null, "reserved"));
        assertThat(FailsafeRule.bodySlots(existing, primary, "pg.0")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "perm_phys", 5_000L, "perm_logical", 6_000L, "pg1", 8_500L, "pg_0", 9_000L));
        // before PostgreSQL 11 slots cannot be advanced: Patroni posts none
        assertThat(FailsafeRule.bodySlots(existing, primary(100020, 9_000), "pg0")).isEmpty();
    }

    private static LocalPostgres primary(int version, long wal) {
        return new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, Scenario.SYSID, false, "in production", 1,
                wal, null, null, null, null, null, version, Scenario.STARTED, Map.of());
    }
}
