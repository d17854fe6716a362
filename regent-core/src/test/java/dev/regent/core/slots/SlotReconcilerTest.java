package dev.regent.core.slots;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The changes {@link SlotReconciler} asks for. */
class SlotReconcilerTest {
    private static final SlotSpec STREAMING = SlotSpec.memberStreaming();
    private static final SlotSpec CDC = new SlotSpec("logical", "pgoutput", "app", 700, false, true);

    private static SlotSpec phys(long lsn) {
        return new SlotSpec("physical", null, null, lsn, false, false);
    }

    private static List<SlotOp> run(Map<String, SlotSpec> desired, List<ExistingSlot> existing,
                                    List<IgnoreMatcher> ignore, boolean paused, boolean primary, long replay) {
        return SlotReconciler.reconcile(new TreeMap<>(desired), existing, ignore, paused, primary, replay, true);
    }

    @Test
    void createsMissingAndDropsUnknownSlotsOfBothTypes() {
        List<SlotOp> ops = run(Map.of("pg1", STREAMING, "cdc", CDC),
                List.of(ExistingSlot.physical("old", false, 10L), ExistingSlot.logical("debezium", "pgoutput", "app",
                        false, 5L)), List.of(), false, true, 0);
        assertThat(ops).containsExactly(new SlotOp.Drop("debezium", "unknown replication slot"),
                new SlotOp.Drop("old", "unknown replication slot"),
                new SlotOp.CreateLogical("cdc", "pgoutput", "app"), new SlotOp.CreatePhysical("pg1"));
    }

    @Test
    void pausedKeepsUnknownSlotsButStillCreates() {
        List<SlotOp> ops = run(Map.of("pg1", STREAMING), List.of(ExistingSlot.physical("old", false, 10L)), List.of(),
                true, true, 0);
        assertThat(ops).containsExactly(new SlotOp.CreatePhysical("pg1"));
    }

    @Test
    void ignoredSlotsAreNeverCreatedAdvancedOrDropped() {
        List<IgnoreMatcher> ignore = IgnoreMatcher.parse(List.of(Map.of("name", "debezium"),
                Map.of("type", "physical", "name", "pg2"), Map.of("plugin", "wal2json")));
        List<SlotOp> ops = run(Map.of("pg2", phys(900)), List.of(
                ExistingSlot.logical("debezium", "pgoutput", "app", false, 5L),
                ExistingSlot.physical("pg2", false, 100L),
                ExistingSlot.logical("other", "wal2json", "x", false, 1L),
                ExistingSlot.logical("other2", "pgoutput", "x", false, 1L)), ignore, false, true, 0);
        assertThat(ops).containsExactly(new SlotOp.Drop("other2", "unknown replication slot"));
    }

    @Test
    void ignoreMatcherNeedsEveryAttributeItSets() {
        IgnoreMatcher m = IgnoreMatcher.parse(List.of(Map.of("type", "logical", "database", "app"))).get(0);
        assertThat(m.matches("x", "logical", "app", "pgoutput")).isTrue();
        assertThat(m.matches("x", "logical", "other", "pgoutput")).isFalse();
        assertThat(m.matches("x", "physical", null, null)).isFalse();
    }

    @Test
    void temporarySlotsAreNeverTouched() {
        ExistingSlot temp = new ExistingSlot("pg_basebackup_1", "physical", null, null, true, true, false, 1L, null,
                "reserved");
        assertThat(run(Map.of(), List.of(temp), List.of(), false, true, 0)).isEmpty();
    }

    @Test
    void physicalSlotsNobodyStreamsThroughAreAdvancedNeverBackwardsAndActiveOnesLeftAlone() {
        List<SlotOp> ops = run(Map.of("pg0", phys(900), "pg2", phys(50), "pg3", STREAMING, "pg4", phys(900)),
                List.of(ExistingSlot.physical("pg0", false, 100L), ExistingSlot.physical("pg2", false, 100L),
                        ExistingSlot.physical("pg3", false, 10L), ExistingSlot.physical("pg4", true, 10L)),
                List.of(), false, false, 1000);
        assertThat(ops).containsExactly(new SlotOp.Advance("pg0", null, 900));
    }

    @Test
    void physicalSlotWithXminOrWithoutRestartLsnIsDropped() {
        ExistingSlot xmin = new ExistingSlot("pg0", "physical", null, null, false, false, true, 100L, null,
                "reserved");
        List<SlotOp> ops = run(Map.of("pg0", phys(900), "pg2", phys(900)),
                List.of(xmin, ExistingSlot.physical("pg2", false, null)), List.of(), false, false, 1000);
        assertThat(ops).extracting(SlotOp::name).containsExactly("pg0", "pg2");
        assertThat(ops).allMatch(o -> o instanceof SlotOp.Drop);
        assertThat(SlotReconciler.reconcile(Map.of("pg0", phys(900)), List.of(xmin), List.of(), false, false, 1000,
                false)).as("no xmin cleaning without a leader").isEmpty();
    }

    @Test
    void lostSlotIsDroppedAndCreatedAgain() {
        ExistingSlot lost = new ExistingSlot("pg1", "physical", null, null, false, false, false, null, null, "lost");
        assertThat(run(Map.of("pg1", STREAMING), List.of(lost), List.of(), false, true, 0)).containsExactly(
                new SlotOp.Drop("pg1", "wal_status is lost"), new SlotOp.CreatePhysical("pg1"));
    }

    @Test
    void slotWhosePluginDatabaseOrTypeChangedIsDropped() {
        List<SlotOp> ops = run(Map.of("cdc", CDC, "pg1", STREAMING), List.of(
                ExistingSlot.logical("cdc", "wal2json", "app", false, 5L),
                ExistingSlot.logical("pg1", "pgoutput", "app", false, 5L)), List.of(), false, true, 0);
        assertThat(ops).containsExactly(new SlotOp.Drop("cdc", "its type, plugin or database changed"),
                new SlotOp.Drop("pg1", "its type, plugin or database changed"));
    }

    @Test
    void replicaCopiesMissingLogicalSlotsOnlyOncePublishedAndAdvancesNotPastReplay() {
        SlotSpec unpublished = new SlotSpec("logical", "pgoutput", "app", 0, false, true);
        assertThat(run(Map.of("cdc", CDC, "new", unpublished), List.of(), List.of(), false, false, 1000))
                .containsExactly(new SlotOp.CopyLogical("cdc", "pgoutput", "app"));
        assertThat(run(Map.of("cdc", CDC), List.of(ExistingSlot.logical("cdc", "pgoutput", "app", false, 100L)),
                List.of(), false, false, 650)).containsExactly(new SlotOp.Advance("cdc", "app", 650));
        assertThat(run(Map.of("cdc", CDC), List.of(ExistingSlot.logical("cdc", "pgoutput", "app", false, 800L)),
                List.of(), false, false, 1000)).as("never backwards").isEmpty();
    }

    @Test
    void logicalSlotsOnThePrimaryAreNotAdvanced() {
        assertThat(run(Map.of("cdc", CDC), List.of(ExistingSlot.logical("cdc", "pgoutput", "app", false, 100L)),
                List.of(), false, true, 0)).isEmpty();
    }
}
