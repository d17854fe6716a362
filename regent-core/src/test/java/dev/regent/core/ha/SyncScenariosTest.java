package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.ManageSync;
import dev.regent.core.ha.action.Action.Promote;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.sync.SyncFacts;
import dev.regent.core.sync.SyncObserved;
import dev.regent.core.sync.SyncReadiness;
import dev.regent.core.sync.SyncStep;
import dev.regent.core.sync.WalSender;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Synchronous and quorum replication in the decider (§6.5 race rules, §6.10 on the primary and at promotion). */
class SyncScenariosTest {
    private static final String NOT_HEALTHIEST = "following a different leader because i am not the healthiest node";
    private static final String PROMOTED = "promoted self to leader by acquiring session lock";
    private static final String LEADER = "no action. I am (pg0), the leader with the lock";

    private static Scenario race(String mode) {
        return as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", mode);
    }

    @Test
    void onModeOnlyTheSynchronousStandbyRaces() {
        race("on").sync("pg0", "pg2", 0).peer("pg0", 900).peer("pg2", 900)
                .informs("following a different leader because I am not a synchronous standby")
                .expect(NOT_HEALTHIEST);
        race("on").sync("pg0", "pg1", 0).peerUnreachable("pg0").peer("pg2", 5000)
                .expect(PROMOTED, new AcquireLeaderLock(), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg1", Set.of(), 0, "Enabled synchronous replication"),
                        new SyncStep.SetStandbyNames("*",
                                "Assigning synchronous standby status to ['*'] before promotion"))), new Promote());
    }

    @Test
    void onModeTheFormerLeaderAheadDoesNotDisqualify() {
        race("true").sync("pg0", "pg1", 0).peer("pg0", 1200).peer("pg2", 900)
                .informs("Wal position of pg0 is ahead of my wal position")
                .informs("Ignoring the former leader being ahead of us")
                .expect(PROMOTED, new AcquireLeaderLock(), ((ManageSync) onPromote("pg1")), new Promote());
    }

    @Test
    void syncModeWithoutSyncKeyRacesAsUsual() {
        race("on").peer("pg0", 900).peer("pg2", 999)
                .expect(PROMOTED, new AcquireLeaderLock(), onPromote("pg1"), new Promote());
    }

    @Test
    void quorumModeNeedsTheVotes() {
        // pg1 is a voter: with quorum 1 it needs one vote besides its own
        race("quorum").sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peer("pg2", 1000)
                .informs("Got quorum vote from pg2")
                .expect(PROMOTED, new AcquireLeaderLock(), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg1", Set.of("pg0", "pg2"), 1,
                                "Setting leader to pg1, quorum to 1 of 2 (pg0, pg2)"),
                        new SyncStep.SetStandbyNames("ANY 1 (pg2)",
                                "Setting synchronous replication to 1 of 1 (pg2)"))), new Promote());
        race("quorum").sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peerUnreachable("pg2")
                .expect(NOT_HEALTHIEST);
        // a member outside the voters needs quorum + 1 votes
        as("pg2").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .peerUnreachable("pg0").peer("pg1", 900).informs("Got quorum vote from pg1")
                .expect(PROMOTED, new AcquireLeaderLock(), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg2", Set.of("pg0", "pg1"), 1,
                                "Setting leader to pg2, quorum to 1 of 2 (pg0, pg1)"),
                        new SyncStep.SetStandbyNames("ANY 1 (pg1)",
                                "Setting synchronous replication to 1 of 1 (pg1)"))), new Promote());
    }

    /**
     * A switchover in quorum mode to a member outside /sync: it would refuse to race once the leader stepped aside (only
     * /sync members race a switchover), so the leader does not step aside (simulator, seed 1001: no primary left).
     */
    @Test
    void theLeaderDoesNotStepAsideForASwitchoverCandidateThatMayNotRace() {
        Decision d = as("pg0").wal(800).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .failover("pg0", "pg2").peer("pg1", 800).peer("pg2", 800).decide();
        assertThat(d.actions()).noneMatch(a -> a instanceof Action.Demote)
                .anyMatch(a -> a instanceof Action.ClearFailover);
        assertThat(d.infos()).contains("Member pg2 is not a synchronous standby");
        assertThat(d.warnings()).contains("switchover: no healthy members found, switchover is not possible");
        // a voter is a fine candidate
        Decision ok = as("pg0").wal(800).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .failover("pg0", "pg1").peer("pg1", 800).peer("pg2", 800).decide();
        assertThat(ok.actions()).anyMatch(a -> a instanceof Action.Demote);
    }

    /** Quorum mode: who could ever win the race under a /sync value (simulator, seed 419). */
    @Test
    void aMemberThatCanNotGatherTheVotesIsNoCandidate() {
        var noVoters = new dev.regent.core.model.SyncState(1, "pg2", Set.of(), 0);
        assertThat(HealthCheck.canGatherVotes(noVoters, "pg1")).as("a non-voter needs 1 vote, no voter to give it")
                .isFalse();
        assertThat(HealthCheck.canGatherVotes(noVoters, "pg2")).as("the /sync leader").isTrue();
        var two = new dev.regent.core.model.SyncState(1, "pg0", Set.of("pg1", "pg2"), 1);
        assertThat(HealthCheck.canGatherVotes(two, "pg1")).isTrue();
        assertThat(HealthCheck.canGatherVotes(two, "pg3")).as("quorum + 1 = 2 of 2 voters").isTrue();
        var one = new dev.regent.core.model.SyncState(1, "pg0", Set.of("pg1"), 1);
        assertThat(HealthCheck.canGatherVotes(one, "pg1")).as("no other voter for the quorum of 1").isFalse();
    }

    @Test
    void switchoverInSyncModeOnlySyncMembersRace() {
        as("pg2").unlocked().wal(1000).optime(1000).config("synchronous_mode", "on").sync("pg0", "pg1", 0)
                .failover("pg0", null).peer("pg1", 1000).expect(NOT_HEALTHIEST);
    }

    @Test
    void primaryManagesSynchronousStandbyNamesThenPublishes() {
        SyncFacts facts = new SyncFacts("", "on", 500, List.of(new WalSender(11, "pg1", "async", 500L, 500L, 500L),
                new WalSender(12, "pg2", "async", 400L, 400L, 400L)));
        SyncReadiness r = SyncReadiness.INITIAL.next(facts, null, false);
        Decision d = as("pg0").wal(500).config("synchronous_mode", "on")
                .syncObserved(new SyncObserved(facts, r, -1, false))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.WriteSync("pg0", Set.of(), 0,
                                        "Enabled synchronous replication"),
                                new SyncStep.SetStandbyNames("pg1",
                                        "Assigning synchronous standby status to ['pg1']"))));
        assertThat(d.actions()).hasSize(3);
        // next cycle: listed, synchronous and caught up: published
        SyncFacts next = new SyncFacts("pg1", "on", 600, List.of(new WalSender(11, "pg1", "sync", 600L, 600L, 600L)));
        SyncReadiness r2 = r.next(next, null, false).next(next, null, false);
        as("pg0").wal(600).config("synchronous_mode", "on").sync("pg0", "", 0)
                .syncObserved(new SyncObserved(next, r2, -1, true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.SetStandbyNames("pg1",
                                        "Assigning synchronous standby status to ['pg1']"),
                                new SyncStep.WriteSync("pg0", Set.of("pg1"), 0,
                                        "Synchronous standby status assigned to ['pg1']"))));
    }

    /**
     * A synchronous standby about to stop publishes nosync (Patroni 4's while_not_sync_standby): the primary
     * unpublishes it from /sync first, then lists the other standby, which it publishes once confirmed.
     */
    @Test
    void aStoppingSyncStandbyIsUnpublishedBeforeItIsUnlisted() {
        SyncFacts facts = new SyncFacts("pg1", "on", 800, List.of(new WalSender(11, "pg1", "sync", 800L, 800L, 800L),
                new WalSender(12, "pg2", "async", 800L, 800L, 800L)));
        SyncReadiness r = SyncReadiness.INITIAL.next(facts, null, false).next(facts, null, false);
        as("pg0").wal(800).config("synchronous_mode", "on").sync("pg0", "pg1", 0)
                .memberTag("pg1", "nosync", true).memberTag("pg1", "sync_priority", 0)
                .syncObserved(new SyncObserved(facts, r, -1, true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.WriteSync("pg0", Set.of(), 0,
                                        "Updating synchronous privilege temporarily from ['pg1'] to []"),
                                new SyncStep.SetStandbyNames("pg2",
                                        "Assigning synchronous standby status to ['pg2']"))));
        // once pg1 is out of /sync it may stop; the next cycle publishes pg2 when it is confirmed
        SyncFacts after = new SyncFacts("pg2", "on", 900, List.of(new WalSender(12, "pg2", "sync", 900L, 900L, 900L)));
        SyncReadiness r2 = SyncReadiness.INITIAL.next(after, null, false).next(after, null, false);
        as("pg0").wal(900).config("synchronous_mode", "on").sync("pg0", "", 0)
                .memberTag("pg1", "nosync", true).memberTag("pg1", "sync_priority", 0).memberState("pg1", "stopped")
                .syncObserved(new SyncObserved(after, r2, -1, true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.SetStandbyNames("pg2",
                                        "Assigning synchronous standby status to ['pg2']"),
                                new SyncStep.WriteSync("pg0", Set.of("pg2"), 0,
                                        "Synchronous standby status assigned to ['pg2']"))));
    }

    @Test
    void aStoppingQuorumVoterIsDroppedFromTheNamesAndTheVoters() {
        SyncFacts facts = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800, List.of(
                new WalSender(11, "pg1", "quorum", 800L, 800L, 800L),
                new WalSender(12, "pg2", "quorum", 800L, 800L, 800L)));
        SyncReadiness r = SyncReadiness.INITIAL.next(facts, null, true).next(facts, null, true);
        // ANY 1 of the one voter left is stricter than ANY 1 of two: the quorum resolver shrinks the names first
        as("pg0").wal(800).config("synchronous_mode", "quorum").sync("pg0", "pg1,pg2", 1)
                .memberTag("pg1", "nosync", true).memberTag("pg1", "sync_priority", 0)
                .syncObserved(new SyncObserved(facts, r, -1, true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.SetStandbyNames("ANY 1 (pg2)",
                                        "Setting synchronous replication to 1 of 1 (pg2)"),
                                new SyncStep.WriteSync("pg0", Set.of("pg2"), 1,
                                        "Setting leader to pg0, quorum to 1 of 1 (pg2)"))));
    }

    @Test
    void switchingFromOnToQuorumListsEveryStandbyUnderAnyK() {
        // on mode left pg1 listed in the priority form and published; quorum mode takes over from there
        SyncFacts facts = new SyncFacts("pg1", "on", 700, List.of(new WalSender(11, "pg1", "sync", 700L, 700L, 700L),
                new WalSender(12, "pg2", "async", 700L, 700L, 700L)));
        SyncReadiness r = SyncReadiness.INITIAL.next(facts, null, true);
        as("pg0").wal(700).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .syncObserved(new SyncObserved(facts, r, -1, true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(
                                new SyncStep.WriteSync("pg0", Set.of("pg1", "pg2"), 1,
                                        "Setting leader to pg0, quorum to 1 of 2 (pg1, pg2)"),
                                new SyncStep.SetStandbyNames("ANY 1 (pg1,pg2)",
                                        "Setting synchronous replication to 1 of 2 (pg1, pg2)"))));
    }

    @Test
    void disablingDeletesTheKeyAndRestoresTheConfiguredValue() {
        as("pg0").wal(600).sync("pg0", "pg1", 0).syncObserved(new SyncObserved(null, SyncReadiness.INITIAL, -1,
                        true))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")),
                        new ManageSync(List.of(new SyncStep.DeleteSync("Disabled synchronous replication"),
                                new SyncStep.SetStandbyNames(null, "synchronous_standby_names as configured"))));
        as("pg0").wal(600).expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")));
    }

    @Test
    void standbyClusterIgnoresSyncMode() {
        as("pg0").wal(600).config("synchronous_mode", "on")
                .config("standby_cluster", java.util.Map.of("host", "10.0.0.1"))
                .expect(LEADER, new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")));
    }

    private static Action onPromote(String me) {
        return new ManageSync(dev.regent.core.sync.SyncPromotion.on(me));
    }
}
