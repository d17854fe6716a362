package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.ManageSync;
import dev.regent.core.ha.action.Action.Promote;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.model.SyncState;
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

    /** The winner creates the slots of the other members first, then writes /sync and synchronous_standby_names. */
    private static Action prepare(String... slots) {
        return new Action.PrepareReplicationSlots(Set.of(slots));
    }

    private static Scenario race(String mode) {
        return as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", mode);
    }

    @Test
    void onModeOnlyTheSynchronousStandbyRaces() {
        race("on").sync("pg0", "pg2", 0).peer("pg0", 900).peer("pg2", 900)
                .informs("following a different leader because I am not a synchronous standby")
                .expect(NOT_HEALTHIEST);
        race("on").sync("pg0", "pg1", 0).peerUnreachable("pg0").peer("pg2", 5000)
                .expect(PROMOTED, new AcquireLeaderLock(), prepare("pg0", "pg2"), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg1", Set.of(), 0, "Enabled synchronous replication"),
                        new SyncStep.SetStandbyNames("*",
                                "Assigning synchronous standby status to ['*'] before promotion"))), new Promote());
    }

    @Test
    void onModeTheFormerLeaderAheadDoesNotDisqualify() {
        race("true").sync("pg0", "pg1", 0).peer("pg0", 1200).peer("pg2", 900)
                .informs("Wal position of pg0 is ahead of my wal position")
                .informs("Ignoring the former leader being ahead of us")
                .expect(PROMOTED, new AcquireLeaderLock(), prepare("pg0", "pg2"), ((ManageSync) onPromote("pg1")),
                        new Promote());
    }

    @Test
    void syncModeWithoutSyncKeyRacesAsUsual() {
        race("on").peer("pg0", 900).peer("pg2", 999)
                .expect(PROMOTED, new AcquireLeaderLock(), prepare("pg0", "pg2"), onPromote("pg1"), new Promote());
    }

    @Test
    void quorumModeNeedsTheVotes() {
        // pg1 is a voter: with quorum 1 it needs one vote besides its own
        race("quorum").sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peer("pg2", 1000)
                .informs("Got quorum vote from pg2")
                .expect(PROMOTED, new AcquireLeaderLock(), prepare("pg0", "pg2"), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg1", Set.of("pg0", "pg2"), 1,
                                "Setting leader to pg1, quorum to 1 of 2 (pg0, pg2)"),
                        new SyncStep.SetStandbyNames("ANY 1 (pg2)",
                                "Setting synchronous replication to 1 of 1 (pg2)"))), new Promote());
        race("quorum").sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peerUnreachable("pg2")
                .expect(NOT_HEALTHIEST);
        // a member outside the voters needs quorum + 1 votes
        as("pg2").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .peerUnreachable("pg0").peer("pg1", 900).informs("Got quorum vote from pg1")
                .expect(PROMOTED, new AcquireLeaderLock(), prepare("pg0", "pg1"), new ManageSync(List.of(
                        new SyncStep.WriteSync("pg2", Set.of("pg0", "pg1"), 1,
                                "Setting leader to pg2, quorum to 1 of 2 (pg0, pg1)"),
                        new SyncStep.SetStandbyNames("ANY 1 (pg1)",
                                "Setting synchronous replication to 1 of 1 (pg1)"))), new Promote());
    }

    /**
     * Failsafe mode, quorum switchover (simulator, seed 7499): the candidate's only possible vote comes from a voter
     * missing from a stale /failsafe. Such a member cannot win, so its WAL does not hold the race back, but when it is
     * not ahead it still votes: it holds nothing the candidate lacks. Without its vote nobody could ever lead.
     */
    @Test
    void aVoterOutsideFailsafeStillVotesForTheSwitchoverCandidate() {
        Decision d = race("quorum").failsafeMode().failsafeKey("pg0,pg1").sync("pg0", "pg1,pg2", 1)
                .failover("pg0", "pg1").peer("pg0", 0).peer("pg2", 900).decide();
        assertThat(d.infos()).contains("Got quorum vote from pg2");
        assertThat(d.actions()).anyMatch(a -> a instanceof Promote);
        // ahead of me it neither votes nor blocks: still no quorum
        Decision ahead = race("quorum").failsafeMode().failsafeKey("pg0,pg1").sync("pg0", "pg1,pg2", 1)
                .failover("pg0", "pg1").peer("pg0", 0).peer("pg2", 1100).decide();
        assertThat(ahead.actions()).noneMatch(a -> a instanceof Promote);
        assertThat(ahead.infos()).doesNotContain("Wal position of pg2 is ahead of my wal position");
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
        // a voter that streams as a ready quorum standby is a fine candidate
        SyncFacts facts = new SyncFacts("ANY 1 (pg1)", "on", 800, List.of(new WalSender(11, "pg1", "quorum", 800L,
                800L, 800L)));
        Decision ok = as("pg0").wal(800).config("synchronous_mode", "quorum").sync("pg0", "pg1", 0)
                .syncObserved(new SyncObserved(facts, SyncReadiness.INITIAL.next(facts, null, true), -1, true))
                .failover("pg0", "pg1").peer("pg1", 800).peer("pg2", 800).decide();
        assertThat(ok.actions()).anyMatch(a -> a instanceof Action.Demote);
    }

    /**
     * Cause (a) of the simulator's quorum losses, leader side (seed 4544): a voter in /sync that is not caught up (here
     * the former leader of a failover, published as a voter but not listed; or listed but stalled; or listed and
     * streaming but not past the mark of the value in force) is no switchover candidate: the leader does not step
     * aside for it. Patroni 4 asks only that the candidate be in /sync.
     */
    @Test
    void quorumModeTheLeaderStepsAsideOnlyForACaughtUpVoter() {
        SyncState sync = new SyncState(7, "pg0", Set.of("pg1", "pg2"), 1);
        SyncFacts notListed = new SyncFacts("ANY 1 (pg1)", "on", 800,
                List.of(new WalSender(11, "pg1", "quorum", 800L, 800L, 800L)));
        assertRefused(notListed, SyncReadiness.INITIAL.next(notListed, sync, true),
                "Member pg2 is not listed in synchronous_standby_names");
        SyncFacts stalled = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800,
                List.of(new WalSender(11, "pg1", "quorum", 800L, 800L, 800L)));
        assertRefused(stalled, SyncReadiness.INITIAL.next(stalled, sync, true),
                "Member pg2 is not streaming as a synchronous standby");
        SyncFacts behindTheMark = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800,
                List.of(new WalSender(11, "pg1", "quorum", 800L, 800L, 800L),
                        new WalSender(12, "pg2", "quorum", 700L, 700L, 700L)));
        // the value took effect in this cycle: the leader waits one cycle for the candidate's confirmation
        SyncReadiness justChanged = SyncReadiness.INITIAL.next(behindTheMark, sync, true);
        Decision waits = leaderAskedToSwitchOverTo("pg2", behindTheMark, justChanged);
        assertThat(waits.actions()).noneMatch(a -> a instanceof Action.Demote || a instanceof Action.ClearFailover);
        assertThat(waits.warnings()).contains("switchover: waiting for member pg2 to confirm the commits acknowledged"
                + " so far");
        // still not confirmed in the next cycle: refused
        assertRefused(behindTheMark, justChanged.next(behindTheMark, sync, true),
                "Member pg2 has not confirmed the commits acknowledged so far");
        assertRefused(null, SyncReadiness.INITIAL,
                "Member pg2 can not be checked: synchronous replication was not observed on this primary");
        SyncFacts caughtUp = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800,
                List.of(new WalSender(11, "pg1", "quorum", 800L, 800L, 800L),
                        new WalSender(12, "pg2", "quorum", 800L, 800L, 800L)));
        Decision d = leaderAskedToSwitchOverTo("pg2", caughtUp, SyncReadiness.INITIAL.next(caughtUp, sync, true));
        assertThat(d.actions()).contains(new Action.Demote(Action.Demote.Mode.GRACEFUL, "pg2"));
    }

    private static Decision leaderAskedToSwitchOverTo(String candidate, SyncFacts facts, SyncReadiness readiness) {
        return as("pg0").wal(800).config("synchronous_mode", "quorum").sync("pg0", "pg1,pg2", 1)
                .syncObserved(new SyncObserved(facts, readiness, -1, true)).failover("pg0", candidate)
                .peer("pg1", 800).peer("pg2", 700).decide();
    }

    private static void assertRefused(SyncFacts facts, SyncReadiness readiness, String why) {
        Decision d = leaderAskedToSwitchOverTo("pg2", facts, readiness);
        assertThat(d.actions()).noneMatch(a -> a instanceof Action.Demote).contains(new Action.ClearFailover(7));
        assertThat(d.infos()).contains(why);
        assertThat(d.warnings()).contains("switchover: no healthy members found, switchover is not possible");
    }

    /**
     * Cause (a), candidate side (seed 845: the voter stalled after the leader's check): once the leader stepped aside,
     * the named candidate of a quorum switchover takes the lock only as any race winner would, with its quorum of
     * votes and no voter ahead; a voter ahead of it then treats it as no candidate to wait for and races itself, so
     * the cluster gets a primary holding every acknowledged commit (Patroni 4 promotes the candidate at once).
     */
    @Test
    void quorumModeASwitchoverCandidateBehindAVoterStandsBackAndTheVoterTakesOver() {
        as("pg2").unlocked().wal(900).optime(1000).config("synchronous_mode", "quorum").sync("pg0", "pg1,pg2", 1)
                .failover("pg0", "pg2").peerUnreachable("pg0").peer("pg1", 1000)
                .informs("Wal position of pg1 is ahead of my wal position").expect(NOT_HEALTHIEST);
        // behind on one probe: the voter waits, as the leader's last WAL may still be on its way to the candidate
        Decision first = as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg2", 900)
                .decide();
        assertThat(first.message()).isEqualTo(NOT_HEALTHIEST);
        assertThat(first.infos()).contains("switchover: member pg2 is behind this node; waiting for it to catch up");
        assertThat(first.memory().candidateBehindSince()).isEqualTo(Scenario.NOW);
        // still behind a loop_wait (10 s) later: the voter takes over
        Decision voter = as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg2", 900)
                .memory(first.memory()).now(Scenario.NOW + 10_000).decide();
        assertThat(voter.message()).isEqualTo(PROMOTED);
        assertThat(voter.infos()).contains("switchover: member pg2 is behind this node and can not win the quorum vote",
                "Got quorum vote from pg2");
        // caught up: the candidate gets the vote and takes the lock; the voter waits for it
        Decision candidate = as("pg2").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg1", 1000)
                .decide();
        assertThat(candidate.message()).isEqualTo(PROMOTED);
        assertThat(candidate.infos()).contains("Got quorum vote from pg1");
        // the candidate caught up within the loop_wait: the voter forgets it saw it behind and keeps waiting for it
        Decision caughtUp = as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg2", 1000)
                .memory(first.memory()).now(Scenario.NOW + 5_000).decide();
        assertThat(caughtUp.message()).isEqualTo(NOT_HEALTHIEST);
        assertThat(caughtUp.memory().candidateBehindSince()).isZero();
        as("pg1").unlocked().wal(1000).optime(1000).config("synchronous_mode", "quorum").sync("pg0", "pg1,pg2", 1)
                .failover("pg0", "pg2").peerUnreachable("pg0").peer("pg2", 1000).expect(NOT_HEALTHIEST);
        // on mode keeps Patroni's rule: the named candidate takes the lock at once
        Decision on = as("pg2").unlocked().wal(900).optime(1000).config("synchronous_mode", "on").sync("pg0", "pg2", 0)
                .failover("pg0", "pg2").peerUnreachable("pg0").peer("pg1", 1000).decide();
        assertThat(on.message()).isEqualTo(PROMOTED);
    }

    /** The same in maintenance mode, where only the named candidate races (simulator, seed 4729). */
    @Test
    void quorumModePausedASwitchoverCandidateBehindAVoterStandsBack() {
        Decision behind = as("pg2").unlocked().paused().wal(900).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg1", 1000).decide();
        assertThat(behind.actions()).noneMatch(a -> a instanceof AcquireLeaderLock);
        assertThat(behind.infos()).contains("Wal position of pg1 is ahead of my wal position");
        Decision caughtUp = as("pg2").unlocked().paused().wal(1000).optime(1000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).failover("pg0", "pg2").peerUnreachable("pg0").peer("pg1", 1000).decide();
        assertThat(caughtUp.actions()).anyMatch(a -> a instanceof AcquireLeaderLock);
    }

    /**
     * Cause (b) of the simulator's quorum losses (seeds 245, 1543, 5657): a frozen old primary that went on writing on
     * its old timeline, restarted as a replica, reports a higher position than the voters of the promoted timeline. In
     * synchronous mode the race compares timelines first: it stands back, and its vote goes to the voter on the newer
     * timeline, which holds the commits acknowledged there.
     */
    @Test
    void quorumModeAMemberOnAnOlderTimelineIsNotAheadWhateverItsPosition() {
        as("pg1").unlocked().timeline(1).wal(5000).optime(4000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peerTimeline("pg2", 4000, 2)
                .informs("Timeline 2 of pg2 is ahead of my timeline 1").expect(NOT_HEALTHIEST);
        Decision newer = as("pg2").unlocked().timeline(2).wal(4000).optime(4000).config("synchronous_mode", "quorum")
                .sync("pg0", "pg1,pg2", 1).peerUnreachable("pg0").peerTimeline("pg1", 5000, 1).decide();
        assertThat(newer.message()).isEqualTo(PROMOTED);
        assertThat(newer.infos()).contains("Got quorum vote from pg1");
        // without synchronous mode Patroni's rule stands: positions only
        as("pg2").unlocked().timeline(2).wal(4000).optime(4000).peerUnreachable("pg0").peerTimeline("pg1", 5000, 1)
                .informs("Wal position of pg1 is ahead of my wal position").expect(NOT_HEALTHIEST);
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
        // the standby leader (a replica of the remote primary) neither writes /sync nor synchronous_standby_names
        as("pg0").wal(600).replica().config("synchronous_mode", "on")
                .config("standby_cluster", java.util.Map.of("host", "10.0.0.1")).followingStandby()
                .expect("no action. I am (pg0), the standby leader with the lock", new UpdateLeaderLock(),
                        new SyncReplicationSlots(Set.of("pg1", "pg2")));
    }

    private static Action onPromote(String me) {
        return new ManageSync(dev.regent.core.sync.SyncPromotion.on(me));
    }
}
