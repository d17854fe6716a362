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

    // ---- this node's own promotion (DivergenceRule.anotherMembersPromotion) ----

    private static LocalPostgres onTimeline(LocalPostgres.ProcessState state, int timeline) {
        return new LocalPostgres(state, false, "1", false, null, timeline, 100, null, null, null, null, null);
    }

    private static final LocalPostgres EMPTY = new LocalPostgres(LocalPostgres.ProcessState.STOPPED, true, null, null,
            null, 0, 0, null, null, null, null, null);

    @Test
    void aPromotionThatSucceededRemembersTheTimelineItCreated() {
        NodeMemory m = after(new Action.Promote(), ActionOutcome.promoted(5), LEADER);
        assertThat(m.ownPromotion()).isEqualTo(5);
        assertThat(m).isEqualTo(LEADER.withOwnPromotion(5));
        assertThat(after(new Action.Promote(), ActionOutcome.promoted(0), LEADER.withOwnPromotion(3)).ownPromotion())
                .as("a promotion whose timeline postgres did not tell: the earlier one is no longer on disk").isZero();
        for (ActionOutcome o : List.of(REFUSED, FAILED, ActionOutcome.BACKGROUND)) {
            assertThat(after(new Action.Promote(), o, LEADER.withOwnPromotion(3)).ownPromotion()).as(o.toString())
                    .isEqualTo(3);
        }
        assertThat(after(new Action.UpdateLeaderLock(), ActionOutcome.SUCCEEDED, LEADER.withOwnPromotion(5))
                .ownPromotion()).as("every other memory change keeps it").isEqualTo(5);
        assertThat(MemoryContract.decided(LEADER.withOwnPromotion(5), List.of(new Action.ReleaseLeaderLock()))
                .ownPromotion()).as("giving the lock up keeps it: the data directory still holds the timeline")
                .isEqualTo(5);
    }

    @Test
    void onlyACompletedReinitializeForgetsTheOwnPromotionAmongTheActions() {
        NodeMemory own = NodeMemory.INITIAL.withOwnPromotion(4);
        assertThat(after(new Action.Reinitialize("pg0"), ActionOutcome.SUCCEEDED, own).ownPromotion()).isZero();
        for (ActionOutcome o : List.of(REFUSED, FAILED, ActionOutcome.BACKGROUND)) {
            assertThat(after(new Action.Reinitialize("pg0"), o, own)).as(o.toString()).isEqualTo(own);
        }
        assertThat(after(new Action.Rewind("pg0"), ActionOutcome.SUCCEEDED, own).ownPromotion())
                .as("pg_rewind may find no rewind required: the next observation tells").isEqualTo(4);
    }

    @Test
    void theOwnPromotionIsForgottenOnceTheDataDirectoryNoLongerHoldsIt() {
        NodeMemory own = LEADER.withOwnPromotion(4);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.RUNNING, 4), false))
                .as("still on it").isEqualTo(own);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.STOPPED, 4), false))
                .as("stopped on it").isEqualTo(own);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.RUNNING, 0), false))
                .as("timeline unknown proves nothing").isEqualTo(own);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.RUNNING, 5), false))
                .as("rewound or cloned onto another timeline").isEqualTo(LEADER);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.RUNNING, 3), false))
                .isEqualTo(LEADER);
        assertThat(MemoryContract.observed(own, EMPTY, false)).as("moved aside or removed").isEqualTo(LEADER);
        assertThat(MemoryContract.observed(own, EMPTY, true))
                .as("not while a background task owns the data directory").isEqualTo(own);
        assertThat(MemoryContract.observed(own, onTimeline(LocalPostgres.ProcessState.RUNNING, 5), true))
                .isEqualTo(own);
        assertThat(MemoryContract.observed(LEADER, EMPTY, false)).as("nothing to forget").isSameAs(LEADER);
    }

    @Test
    void theLeaseIsValidOnlyForALeaderBeforeItsEnd() {
        assertThat(MemoryContract.leaseValid(LEADER, NOW)).isTrue();
        assertThat(MemoryContract.leaseValid(LEADER, NOW + 5_000)).isFalse();
        assertThat(MemoryContract.leaseValid(LEADER.withWasLeader(false), NOW)).isFalse();
    }
}
