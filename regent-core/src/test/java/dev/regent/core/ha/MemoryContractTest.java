package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.Demote;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory contract's rules one by one (HaDecider Javadoc, "Memory contract"). */
class MemoryContractTest {
    private static final long NOW = 100_000;
    private static final int TTL = 30;
    private static final NodeMemory LEADER = NodeMemory.INITIAL.withWasLeader(true).withLockValidUntil(NOW + 5_000);
    private static final ActionOutcome REFUSED = ActionOutcome.refused("lost");
    private static final ActionOutcome FAILED = ActionOutcome.failed("io");

    private static NodeMemory after(Action a, ActionOutcome o, NodeMemory before) {
        return MemoryContract.after(a, o, NOW, TTL, before);
    }

    @Test
    void successfulLockWritesStartALeaseOfTtlFromBeforeTheWrite() {
        for (Action a : List.of(new Action.AcquireLeaderLock(), new Action.UpdateLeaderLock(),
                new Action.Bootstrap())) {
            NodeMemory m = after(a, ActionOutcome.SUCCEEDED, NodeMemory.INITIAL);
            assertThat(m.wasLeader()).as(a.toString()).isTrue();
            assertThat(m.lockValidUntil()).as(a.toString()).isEqualTo(NOW + 30_000);
        }
    }

    @Test
    void aRefusedOrFailedRenewalEndsTheLeaseAtOnceButALostRaceChangesNothing() {
        assertThat(after(new Action.UpdateLeaderLock(), REFUSED, LEADER).lockValidUntil()).isZero();
        assertThat(after(new Action.UpdateLeaderLock(), FAILED, LEADER).lockValidUntil()).isZero();
        assertThat(after(new Action.AcquireLeaderLock(), REFUSED, NodeMemory.INITIAL)).isEqualTo(NodeMemory.INITIAL);
        assertThat(after(new Action.UpdateLeaderLock(), ActionOutcome.SUCCEEDED, LEADER).lockValidUntil())
                .isEqualTo(NOW + 30_000);
    }

    @Test
    void releasingOrDemotingForgetsTheLeadershipWhateverTheOutcome() {
        for (ActionOutcome o : List.of(ActionOutcome.SUCCEEDED, REFUSED, FAILED, ActionOutcome.BACKGROUND)) {
            for (Action a : List.of(new Action.ReleaseLeaderLock(), new Demote(Demote.Mode.GRACEFUL, "pg1"),
                    new Demote(Demote.Mode.IMMEDIATE, null), new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null),
                    new Demote(Demote.Mode.OFFLINE, null))) {
                NodeMemory m = after(a, o, LEADER);
                assertThat(m.wasLeader()).as(a + " " + o).isFalse();
                assertThat(m.lockValidUntil()).as(a + " " + o).isZero();
            }
        }
    }

    @Test
    void anUncleanStopMarksTheDataForARewindCheck() {
        assertThat(after(new Demote(Demote.Mode.IMMEDIATE, null), ActionOutcome.SUCCEEDED, LEADER)
                .rewindOrReinitNeeded()).isTrue();
        assertThat(after(new Demote(Demote.Mode.IMMEDIATE_NOLOCK, null), ActionOutcome.SUCCEEDED, LEADER)
                .rewindOrReinitNeeded()).isTrue();
        assertThat(after(new Demote(Demote.Mode.OFFLINE, null), ActionOutcome.BACKGROUND, LEADER)
                .rewindOrReinitNeeded()).isTrue();
        assertThat(after(new Demote(Demote.Mode.GRACEFUL, "pg1"), ActionOutcome.BACKGROUND, LEADER)
                .rewindOrReinitNeeded()).isFalse();
        assertThat(after(new Demote(Demote.Mode.IMMEDIATE, null), FAILED, LEADER).rewindOrReinitNeeded()).isFalse();
    }

    @Test
    void bootstrapOutcomes() {
        assertThat(after(new Action.Bootstrap(), FAILED, NodeMemory.INITIAL).bootstrapFailed()).isTrue();
        assertThat(after(new Action.Bootstrap(), REFUSED, NodeMemory.INITIAL)).isEqualTo(NodeMemory.INITIAL);
        assertThat(after(new Action.Bootstrap(), ActionOutcome.BACKGROUND, NodeMemory.INITIAL))
                .isEqualTo(NodeMemory.INITIAL);
    }

    @Test
    void startingAsPrimaryCountsFromTheHandOverToTheSlot() {
        assertThat(after(new Action.StartPostgres(true, null), ActionOutcome.BACKGROUND, LEADER)
                .startingAsPrimarySince()).isEqualTo(NOW);
        assertThat(after(new Action.StartPostgres(false, "pg0"), ActionOutcome.BACKGROUND, LEADER)
                .startingAsPrimarySince()).isZero();
        assertThat(after(new Action.StartPostgres(true, null), REFUSED, LEADER).startingAsPrimarySince()).isZero();
    }

    @Test
    void promotionOutcomes() {
        NodeMemory before = LEADER.withRewindOrReinitNeeded(true).withStartingAsPrimarySince(5);
        assertThat(after(new Action.Promote(), ActionOutcome.BACKGROUND, before)).isEqualTo(before);
        NodeMemory done = after(new Action.Promote(), ActionOutcome.SUCCEEDED, before);
        assertThat(done.rewindOrReinitNeeded()).isFalse();
        assertThat(done.startingAsPrimarySince()).isZero();
        assertThat(done.lockValidUntil()).isEqualTo(LEADER.lockValidUntil());
        assertThat(after(new Action.Promote(), REFUSED, before).preferNoRaceUntil()).isEqualTo(NOW + 30_000);
        assertThat(after(new Action.Promote(), FAILED, before)).isEqualTo(before);
    }

    @Test
    void rewindAndReinitializeOutcomes() {
        NodeMemory clean = NodeMemory.INITIAL;
        NodeMemory needed = clean.withRewindOrReinitNeeded(true);
        assertThat(after(new Action.Rewind("pg0"), ActionOutcome.SUCCEEDED, needed).rewindOrReinitNeeded()).isFalse();
        assertThat(after(new Action.Rewind("pg0"), FAILED, clean).rewindOrReinitNeeded()).isTrue();
        assertThat(after(new Action.Rewind("pg0"), ActionOutcome.BACKGROUND, clean)).isEqualTo(clean);
        assertThat(after(new Action.Reinitialize("pg0"), ActionOutcome.SUCCEEDED, needed).rewindOrReinitNeeded())
                .isFalse();
        assertThat(after(new Action.Reinitialize("pg0"), FAILED, needed)).isEqualTo(needed);
    }

    @Test
    void otherActionsLeaveTheMemoryAlone() {
        for (Action a : List.of(new Action.Follow("pg0"), new Action.ReloadPostgres(), new Action.ClearFailover(3),
                new Action.WaitUntil(1), new Action.ReportDemoted(), new Action.CloneReplica("pg0"))) {
            for (ActionOutcome o : List.of(ActionOutcome.SUCCEEDED, REFUSED, FAILED, ActionOutcome.BACKGROUND)) {
                assertThat(after(a, o, LEADER)).as(a + " " + o).isEqualTo(LEADER);
            }
        }
    }

    @Test
    void theDecidersPartKeepsTheLockOnlyWhileRenewingWithoutGivingUp() {
        NodeMemory m = LEADER.withStartingAsPrimarySince(7);
        assertThat(MemoryContract.decided(m, List.of(new Action.UpdateLeaderLock()))).isEqualTo(m);
        NodeMemory dropped = MemoryContract.decided(m, List.of(new Action.UpdateLeaderLock(),
                new Action.ReleaseLeaderLock()));
        assertThat(dropped.wasLeader()).isFalse();
        assertThat(dropped.lockValidUntil()).isZero();
        assertThat(dropped.startingAsPrimarySince()).isZero();
        assertThat(MemoryContract.decided(m.withRewindOrReinitNeeded(true), List.of(new Action.UpdateLeaderLock(),
                new Action.Promote())).rewindOrReinitNeeded()).isFalse();
    }

    @Test
    void theLeaseIsValidOnlyForALeaderBeforeItsEnd() {
        assertThat(MemoryContract.leaseValid(LEADER, NOW)).isTrue();
        assertThat(MemoryContract.leaseValid(LEADER, NOW + 5_000)).isFalse();
        assertThat(MemoryContract.leaseValid(LEADER.withWasLeader(false), NOW)).isFalse();
    }
}
