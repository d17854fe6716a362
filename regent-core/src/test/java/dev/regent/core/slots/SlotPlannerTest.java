package dev.regent.core.slots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which slots a node wants ({@link SlotPlanner#desired}), Patroni 4.x rules. */
class SlotPlannerTest {
    private static final int PG15 = 150004;
    private static final int PG10 = 100023;
    private static final SlotSpec STREAMING = SlotSpec.memberStreaming();

    private final Map<String, Object> config = new LinkedHashMap<>();
    private final List<Member> members = new ArrayList<>();
    private ClusterStatus status = ClusterStatus.EMPTY;

    private SlotPlannerTest member(String name, long wal, Map<String, Object> tags) {
        members.add(new Member(name, 1, null, new MemberData("postgres://h/postgres", "http://h/patroni", null,
                "running", "replica", "4.0.0", wal, null, null, null, 1, tags, null, null, null, null, false, null)));
        return this;
    }

    private SlotPlannerTest threeMembers() {
        return member("pg0", 900, Map.of()).member("pg1", 800, Map.of()).member("pg2", 700, Map.of());
    }

    private ClusterView view() {
        return new ClusterView("42", new ClusterConfig(1, config), new Leader("pg0", 1, null, null), status, members,
                null, null, null, null);
    }

    private Map<String, SlotSpec> want(String me, boolean primary, int version, Map<String, Object> tags) {
        return SlotPlanner.desired(view(), new ClusterConfig(1, config),
                new SlotPlanner.Node(me, tags, primary, version));
    }

    private static SlotSpec phys(long lsn) {
        return new SlotSpec("physical", null, null, lsn, false, false);
    }

    private static SlotSpec permanentPhys(long lsn) {
        return new SlotSpec("physical", null, null, lsn, false, true);
    }

    @Test
    void primaryKeepsASlotForEveryOtherStreamingMember() {
        threeMembers().member("pg3", 1, Map.of("nostream", true));
        assertThat(want("pg0", true, PG15, Map.of())).containsExactly(Map.entry("pg1", STREAMING),
                Map.entry("pg2", STREAMING));
    }

    @Test
    void useSlotsFalseWantsNothingAnywhere() {
        threeMembers();
        config.put("postgresql", Map.of("use_slots", false));
        config.put("slots", Map.of("keep", Map.of()));
        assertThat(want("pg0", true, PG15, Map.of())).isEmpty();
        assertThat(want("pg1", false, PG15, Map.of())).isEmpty();
    }

    @Test
    void replicaKeepsEveryOtherMembersSlotAdvancedToTheirPositions() {
        threeMembers();
        assertThat(want("pg1", false, PG15, Map.of())).containsExactly(Map.entry("pg0", phys(900)),
                Map.entry("pg2", phys(700)));
    }

    @Test
    void replicaWithMemberSlotsTtlZeroKeepsOnlyCascadeSlots() {
        threeMembers().member("pg3", 1, Map.of("replicatefrom", "pg1"));
        config.put("member_slots_ttl", 0);
        assertThat(want("pg1", false, PG15, Map.of())).containsExactly(Map.entry("pg3", STREAMING));
        assertThat(want("pg2", false, PG15, Map.of())).isEmpty();
    }

    @Test
    void beforePostgres11AReplicaKeepsOnlyCascadeSlots() {
        threeMembers().member("pg3", 1, Map.of("replicatefrom", "pg1"));
        assertThat(want("pg1", false, PG10, Map.of())).containsExactly(Map.entry("pg3", STREAMING));
    }

    @Test
    void cascadingMemberStreamsFromItsUpstreamNotThePrimaryWhoAdvancesItsSlot() {
        threeMembers().member("pg3", 555, Map.of("replicatefrom", "pg1"));
        Map<String, SlotSpec> primary = want("pg0", true, PG15, Map.of());
        assertThat(primary.get("pg3")).isEqualTo(phys(555));
        assertThat(want("pg1", false, PG15, Map.of()).get("pg3")).isEqualTo(STREAMING);
        // pre-11 (no advance): the primary keeps no slot for a member that cascades from an existing member
        assertThat(want("pg0", true, PG10, Map.of())).doesNotContainKey("pg3");
    }

    @Test
    void aCascadingMembersSlotFollowsItsOwnPositionPastTheOnePublishedForIt() {
        // the primary publishes its own (inactive, never streamed from) slot of pg3 in /status.slots: reading that
        // back alone would keep the slot where it is for good (Patroni 4: the larger of both)
        threeMembers().member("pg3", 555, Map.of("replicatefrom", "pg1"));
        status = new ClusterStatus(0, Map.of("pg3", 300L, "pg2", 650L), List.of());
        assertThat(want("pg0", true, PG15, Map.of()).get("pg3")).isEqualTo(phys(555));
        assertThat(want("pg2", false, PG15, Map.of()).get("pg3")).isEqualTo(phys(555));
        // a published position past the member's own wins; a member that streams from the primary keeps the
        // published position
        status = new ClusterStatus(0, Map.of("pg3", 600L, "pg2", 650L), List.of());
        assertThat(want("pg0", true, PG15, Map.of()).get("pg3")).isEqualTo(phys(600));
        assertThat(want("pg1", false, PG15, Map.of()).get("pg2")).isEqualTo(phys(650));
    }

    @Test
    void replicatefromAMissingMemberFallsBackToThePrimary() {
        threeMembers().member("pg3", 1, Map.of("replicatefrom", "gone"));
        assertThat(want("pg0", true, PG10, Map.of())).containsEntry("pg3", STREAMING);
    }

    @Test
    void nofailoverNodeKeepsOnlySlotsOfMembersCascadingFromItAndNoPermanentOnes() {
        threeMembers().member("pg3", 1, Map.of("replicatefrom", "pg2"));
        config.put("slots", Map.of("keep", Map.of()));
        assertThat(want("pg2", false, PG15, Map.of("nofailover", true))).containsExactly(Map.entry("pg3", STREAMING));
    }

    @Test
    void retainedSlotsOfDepartedMembersAreKeptWithTheirPublishedPosition() {
        threeMembers();
        status = new ClusterStatus(1000, Map.of("pg9", 444L), List.of("pg0", "pg1", "pg2", "pg9"));
        assertThat(want("pg1", false, PG15, Map.of())).containsExactly(Map.entry("pg0", phys(900)),
                Map.entry("pg2", phys(700)), Map.entry("pg9", phys(444)));
        assertThat(want("pg0", true, PG15, Map.of())).containsEntry("pg9", phys(444));
        config.put("member_slots_ttl", "0");
        assertThat(want("pg0", true, PG15, Map.of())).doesNotContainKey("pg9");
    }

    @Test
    void permanentSlotsPhysicalEverywhereLogicalWhereStreaming() {
        threeMembers();
        config.put("slots", Map.of("archive", Map.of("type", "physical"), "plain", "",
                "cdc", Map.of("database", "app", "plugin", "pgoutput"), "BadName", Map.of(),
                "broken", Map.of("type", "logical", "plugin", "pgoutput")));
        status = new ClusterStatus(1000, Map.of("archive", 300L, "cdc", 250L), List.of());
        SlotSpec cdc = new SlotSpec("logical", "pgoutput", "app", 250, false, true);
        assertThat(want("pg0", true, PG15, Map.of())).containsEntry("archive", permanentPhys(300))
                .containsEntry("plain", permanentPhys(0)).containsEntry("cdc", cdc)
                .doesNotContainKeys("BadName", "broken");
        assertThat(want("pg1", false, PG15, Map.of())).containsEntry("cdc", cdc).containsKey("archive");
        assertThat(want("pg1", false, PG15, Map.of("nostream", true))).doesNotContainKey("cdc")
                .containsKey("archive");
        assertThat(want("pg1", false, PG10, Map.of())).doesNotContainKey("cdc");
    }

    @Test
    void permanentPhysicalSlotNamedLikeAMemberTakesTheLargerPosition() {
        threeMembers();
        config.put("slots", Map.of("pg2", Map.of(), "pg1", Map.of()));
        status = new ClusterStatus(1000, Map.of("pg2", 650L), List.of());
        Map<String, SlotSpec> w = want("pg1", false, PG15, Map.of());
        assertThat(w.get("pg2")).isEqualTo(permanentPhys(700));
        assertThat(w).as("never a slot for myself").doesNotContainKey("pg1");
    }

    @Test
    void aliasesAndClusterType() {
        threeMembers();
        config.put("permanent_slots", Map.of("old_name", Map.of(), "only_standby", Map.of("cluster_type", "standby"),
                "only_primary", Map.of("cluster_type", "primary")));
        assertThat(want("pg0", true, PG15, Map.of())).containsKeys("old_name", "only_primary")
                .doesNotContainKey("only_standby");
        config.put("standby_cluster", Map.of("host", "elsewhere"));
        assertThat(want("pg0", true, PG15, Map.of())).containsKeys("old_name", "only_standby")
                .doesNotContainKey("only_primary");
        config.put("permanent_replication_slots", Map.of("newest", Map.of()));
        assertThat(want("pg0", true, PG15, Map.of())).containsKey("newest").doesNotContainKey("old_name");
    }

    @Test
    void logicalSlotInAStandbyClusterIsNotWanted() {
        threeMembers();
        config.put("standby_cluster", Map.of("host", "elsewhere"));
        config.put("slots", Map.of("cdc", Map.of("database", "app", "plugin", "pgoutput")));
        assertThat(want("pg0", true, PG15, Map.of())).doesNotContainKey("cdc");
    }

    @Test
    void memberSlotsTtlUnits() {
        assertThat(ttl(null)).isEqualTo(1800);
        assertThat(ttl(60)).isEqualTo(60);
        assertThat(ttl("30min")).isEqualTo(1800);
        assertThat(ttl("2h")).isEqualTo(7200);
        assertThat(ttl("15s")).isEqualTo(15);
        assertThat(ttl("0")).isZero();
        assertThat(ttl("soon")).isEqualTo(1800);
    }

    private static long ttl(Object v) {
        Map<String, Object> c = new LinkedHashMap<>();
        if (v != null) c.put("member_slots_ttl", v);
        return SlotPlanner.memberSlotsTtlSeconds(new ClusterConfig(1, c));
    }

    @Test
    void primaryPublishesPermanentAndMemberSlotPositions() {
        Map<String, SlotSpec> desired = Map.of("pg1", STREAMING, "archive", permanentPhys(0),
                "cdc", new SlotSpec("logical", "pgoutput", "app", 0, false, true));
        List<ExistingSlot> existing = List.of(ExistingSlot.physical("pg1", true, 500L),
                ExistingSlot.physical("archive", false, 400L), ExistingSlot.logical("cdc", "pgoutput", "app", false, 450L),
                ExistingSlot.physical("foreign", false, 100L));
        assertThat(SlotPlanner.published(desired, existing, true)).containsExactly(Map.entry("archive", 400L),
                Map.entry("cdc", 450L), Map.entry("pg1", 500L));
        assertThat(SlotPlanner.published(desired, existing, false)).containsOnlyKeys("archive", "cdc");
        assertThat(SlotPlanner.published(desired, existing, true, "pg0", 900)).containsEntry("pg0", 900L)
                .hasSize(4);
        assertThat(SlotPlanner.published(desired, existing, false, "pg0", 900)).doesNotContainKey("pg0");
    }

    @Test
    void replicaCopiesOfMemberSlotsFollowThePrimarysPublishedPositionElseTheMembers() {
        threeMembers();
        status = new ClusterStatus(1000, Map.of("pg2", 650L), List.of());
        assertThat(want("pg1", false, PG15, Map.of())).containsExactly(Map.entry("pg0", phys(900)),
                Map.entry("pg2", phys(650)));
    }
}
