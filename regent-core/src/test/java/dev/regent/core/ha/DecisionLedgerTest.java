package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.WALL;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ledger.DecisionLedger;
import dev.regent.core.ledger.LedgerEntry;
import dev.regent.core.ledger.LedgerState;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the decision ledger records, over the real decider's decisions: changes are recorded with their reasons and
 * inputs, repeats and steady cycles are not.
 */
class DecisionLedgerTest {
    private static final long MB = 1024 * 1024;
    /** pg0 was seen holding the lock 25 s before this cycle. */
    private static final LedgerState PG0_LED = new LedgerState("pg0", WALL - 25_000, true, false, "pg0", false, false);

    private static DecisionLedger.Step step(LedgerState prev, Scenario s) {
        HaInput in = s.input();
        return DecisionLedger.record(prev, in, HaDecider.decide(in), null, null, 42);
    }

    @Test
    void raceWonSaysWhoseLockWentAndWhyThePeersLost() {
        Scenario s = as("pg1").unlocked().wal(20 * MB).optime(20 * MB).peerUnreachable("pg0").peer("pg2", 2 * MB);
        LedgerEntry e = step(PG0_LED, s).entry();
        assertThat(e.kind()).isEqualTo("leader_race_won");
        assertThat(e.cycle()).isEqualTo(42);
        assertThat(e.timeMillis()).isEqualTo(WALL);
        assertThat(e.member()).isEqualTo("pg1");
        assertThat(e.message()).isEqualTo("promoted self to leader by acquiring session lock");
        assertThat(e.actions()).contains("AcquireLeaderLock[]", "Promote[]");
        assertThat(e.summary()).isEqualTo("pg1 won the leader race and promoted itself: pg0's leader lock was gone"
                + " (last seen held at 2023-11-14T22:12:55Z, ttl 30 s); my WAL 0/1400000 on timeline 1;"
                + " pg0 did not answer; pg2 lagged 18 MB > maximum_lag_on_failover (1 MB)");
        @SuppressWarnings("unchecked")
        Map<String, Object> lock = (Map<String, Object>) e.inputs().get("lock");
        assertThat(lock).containsEntry("owner", null).containsEntry("last_owner", "pg0").containsEntry("ttl", 30);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> members = (Map<String, Map<String, Object>>) e.inputs().get("members");
        assertThat(members.get("pg2")).containsEntry("wal", "0/200000").containsEntry("lag", 18 * MB)
                .containsEntry("reachable", true);
        assertThat(members.get("pg0")).containsEntry("reachable", false);
        assertThat(e.inputs()).containsEntry("maximum_lag_on_failover", MB);
    }

    @Test
    void standingBackIsRecordedOncePerSpellWithoutLeader() {
        Scenario s = as("pg2").unlocked().wal(1000).optime(1000).peer("pg1", 1500);
        DecisionLedger.Step first = step(PG0_LED, s);
        assertThat(first.entry().kind()).isEqualTo("leader_race_lost");
        assertThat(first.entry().summary()).startsWith("pg2 stood back in the leader race: pg0's leader lock was gone")
                .contains("pg1 was 500 B ahead of my WAL 0/3E8")
                .contains("Wal position of pg1 is ahead of my wal position");
        assertThat(step(first.state(), s).entry()).as("the same spell, again").isNull();
        // pg1 takes the lock: pg2 now streams from it (a change), and a later spell is recorded again
        DecisionLedger.Step locked = step(first.state(), as("pg2").leader("pg1").followed("pg0"));
        assertThat(locked.entry().kind()).isEqualTo("follow");
        assertThat(locked.entry().summary()).isEqualTo("pg2 now streams from pg1: it streamed from pg0 before;"
                + " pg1 holds the leader lock");
        assertThat(step(locked.state(), as("pg2").leader("pg1").followed("pg1")).entry()).isNull();
        assertThat(step(locked.state(), s).entry().kind()).isEqualTo("leader_race_lost");
    }

    @Test
    void aLockTakenFirstByAnotherMemberIsALostRace() {
        Scenario s = as("pg1").unlocked().wal(1000).optime(1000).peer("pg2", 900);
        HaInput in = s.input();
        Decision d = HaDecider.decide(in);
        LedgerEntry e = DecisionLedger.record(PG0_LED, in, d, new Action.AcquireLeaderLock(),
                ActionOutcome.refused("the leader key exists"), 7).entry();
        assertThat(e.kind()).isEqualTo("leader_race_lost");
        assertThat(e.summary()).startsWith("pg1 lost the leader race (another member took the lock first): ");
        assertThat(e.outcome()).isEqualTo("refused: AcquireLeaderLock (the leader key exists)");
    }

    @Test
    void aPeerThatDoesNotRunPostgresIsNotComparedByWal() {
        Scenario s = as("pg1").unlocked().wal(20 * MB).optime(20 * MB).peer("pg2", 20 * MB);
        HaInput in = s.input();
        Map<String, PeerStatus> peers = new java.util.HashMap<>(in.peers());
        peers.put("pg0", new PeerStatus("pg0", true, false, 0, 1, 1, false));
        HaInput withStopped = new HaInput(in.cluster(), in.postgres(), in.settings(), in.memory(), peers,
                in.backgroundTask(), in.commands(), in.nowMillis(), in.wallClockMillis());
        LedgerEntry e = DecisionLedger.record(PG0_LED, withStopped, HaDecider.decide(withStopped), null, null, 1)
                .entry();
        assertThat(e.reasons()).contains("pg0 did not run postgres",
                "pg2 was at the same WAL position with failover priority 1");
    }

    @Test
    void aStartSaysWhy() {
        LedgerEntry e = step(PG0_LED, as("pg1").stopped("shut down in recovery")).entry();
        assertThat(e.kind()).isEqualTo("start");
        assertThat(e.summary()).isEqualTo("pg1 starts postgres as a replica of pg0 (" + e.message() + ")");
    }

    @Test
    void aLostBootstrapRaceIsNoBootstrap() {
        HaInput in = as("pg1").unlocked().initialize(null).noMembers().emptyDataDir().input();
        Decision d = HaDecider.decide(in);
        assertThat(d.actions()).first().isEqualTo(new Action.RaceInitialize());
        LedgerEntry won = DecisionLedger.record(LedgerState.INITIAL, in, d, null, null, 1).entry();
        assertThat(won.summary()).isEqualTo("pg1 bootstraps a new cluster");
        LedgerEntry lost = DecisionLedger.record(LedgerState.INITIAL, in, d, new Action.RaceInitialize(),
                ActionOutcome.refused("another member created initialize first"), 1).entry();
        assertThat(lost.kind()).isEqualTo("bootstrap");
        assertThat(lost.summary()).isEqualTo("pg1 lost the bootstrap race (another member initializes the cluster)");
    }

    @Test
    void removingAStalledPlaceholderIsABootstrapStep() {
        NodeMemory seen = NodeMemory.INITIAL.withStalledInitialize(new NodeMemory.StalledInitialize(7, 0));
        HaInput in = as("pg1").unlocked().initialize("", 7).memberState("pg0", "stopped").memberState("pg1", "stopped")
                .memberState("pg2", "stopped").emptyDataDir().memory(seen).input();
        Decision d = HaDecider.decide(in);
        assertThat(d.actions()).containsExactly(new Action.CancelStaleInitialize(7));
        LedgerEntry e = DecisionLedger.record(LedgerState.INITIAL, in, d, null, null, 1).entry();
        assertThat(e.kind()).isEqualTo("bootstrap");
        assertThat(e.summary()).isEqualTo("pg1 removed a bootstrap placeholder nobody completed (" + d.message() + ")");
        LedgerEntry changed = DecisionLedger.record(LedgerState.INITIAL, in, d, d.actions().get(0),
                ActionOutcome.refused("initialize changed meanwhile"), 1).entry();
        assertThat(changed.summary()).isEqualTo("pg1 left the bootstrap placeholder: it changed before the removal");
    }

    @Test
    void steadyCyclesAreNotRecorded() {
        assertThat(step(PG0_LED, as("pg0")).entry()).as("the leader renewing its lock").isNull();
        assertThat(step(PG0_LED, as("pg1")).entry()).as("a replica of pg0").isNull();
    }

    @Test
    void theLeaderSteppingDownForASwitchoverIsASwitchoverStep() {
        LedgerEntry e = step(PG0_LED, as("pg0").failover("pg0", "pg1").peer("pg1", 0)).entry();
        assertThat(e.kind()).isEqualTo("switchover");
        assertThat(e.summary()).isEqualTo("pg0 stepped down for a switchover to pg1 (a switchover from pg0 to pg1 was"
                + " requested)");
        assertThat(e.actions()).containsExactly("UpdateLeaderLock[]", "Demote[mode=GRACEFUL, followMember=pg1]");
        @SuppressWarnings("unchecked")
        Map<String, Object> failover = (Map<String, Object>) e.inputs().get("failover");
        assertThat(failover).containsEntry("leader", "pg0").containsEntry("candidate", "pg1");
    }

    @Test
    void aLockThatCouldNotBeRenewedIsRecorded() {
        LedgerEntry e = step(PG0_LED, as("pg0").wasLeader(Scenario.NOW - 1)).entry();
        assertThat(e.kind()).isEqualTo("lock_lost");
        assertThat(e.summary()).isEqualTo("pg0 lost its leader lock: demoted self because failed to update leader"
                + " lock in DCS");
    }

    @Test
    void maintenanceModeChangesAreRecordedButNotTheFirstLook() {
        LedgerState unknown = LedgerState.INITIAL;
        DecisionLedger.Step first = step(unknown, as("pg1").paused());
        assertThat(first.entry()).as("paused since before this process").isNull();
        DecisionLedger.Step resumed = step(first.state(), as("pg1"));
        assertThat(resumed.entry().kind()).isEqualTo("resume");
        assertThat(step(resumed.state(), as("pg1").paused()).entry().summary())
                .isEqualTo("pg1 saw the cluster paused (no automatic failover)");
    }

    @Test
    void aPrimaryBesideAnotherLeaderDemotes() {
        LedgerEntry demote = step(PG0_LED, as("pg0").leader("pg1").notWasLeader()).entry();
        assertThat(demote.kind()).isEqualTo("demote");
        assertThat(demote.summary()).isEqualTo("pg0 demoted (immediate_nolock) after: " + demote.message());
        assertThat(demote.message()).isNotBlank();
    }
}
