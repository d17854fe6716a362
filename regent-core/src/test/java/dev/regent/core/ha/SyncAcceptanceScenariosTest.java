package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action;
import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.ManageSync;
import dev.regent.core.model.SyncState;
import dev.regent.core.sync.SyncFacts;
import dev.regent.core.sync.SyncObserved;
import dev.regent.core.sync.SyncReadiness;
import dev.regent.core.sync.SyncStep;
import dev.regent.core.sync.SyncStep.SetStandbyNames;
import dev.regent.core.sync.SyncStep.WriteSync;
import dev.regent.core.sync.WalSender;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Patroni's acceptance scenarios for synchronous replication (basic_replication, priority_sync and quorum_commit
 * features, {@code acceptance-scenarios.md}) replayed on the decider: the cluster state of each step as the primary
 * observes it, and the {@code /sync} and {@code synchronous_standby_names} writes (or race outcome) Patroni's scenario
 * expects. The same scenarios run on real PostgreSQL and etcd, step by step, in regent-it's
 * BasicReplicationFeatureTest, PrioritySyncFeatureTest and QuorumCommitFeatureTest.
 */
class SyncAcceptanceScenariosTest {
    private static final SyncState ON_PG1 = new SyncState(7, "pg0", Set.of("pg1"), 0);
    private static final SyncState QUORUM_1 = new SyncState(7, "pg0", Set.of("pg1", "pg2"), 1);

    private static WalSender sender(int pid, String name, String state, long lsn) {
        return new WalSender(pid, name, state, lsn, lsn, lsn);
    }

    /** Facts seen twice in a row, so standbys past the mark are ready. */
    private static SyncObserved observed(SyncFacts facts, SyncState sync, boolean quorum) {
        SyncReadiness r = SyncReadiness.INITIAL.next(facts, sync, quorum).next(facts, sync, quorum);
        return new SyncObserved(facts, r, -1, true);
    }

    private static List<SyncStep> steps(Decision d) {
        return d.actions().stream().filter(a -> a instanceof ManageSync).map(a -> ((ManageSync) a).steps())
                .findFirst().orElse(List.of());
    }

    /**
     * basic_replication 1 and quorum_commit 1: enabling the mode on a lone primary writes {@code /sync} with the leader
     * and no standby, and leaves {@code synchronous_standby_names} empty.
     */
    @Test
    void enablingSynchronousModeOnALonePrimaryPublishesOnlyTheLeader() {
        SyncFacts none = new SyncFacts("", "on", 500, List.of());
        for (String mode : List.of("on", "quorum")) {
            Decision d = as("pg0").wal(500).config("synchronous_mode", mode).noMembers().member("pg0")
                    .syncObserved(observed(none, null, mode.equals("quorum"))).decide();
            assertThat(steps(d)).as(mode)
                    .containsExactly(new WriteSync("pg0", Set.of(), 0, "Enabled synchronous replication"));
        }
    }

    /**
     * quorum_commit 1: the lone leader named in {@code /sync} (quorum 0, no voter) started again as a replica wins the
     * race alone; a member that is not the {@code /sync} leader cannot (it needs a vote no voter can give).
     */
    @Test
    void quorumModeTheOnlyLeaderPromotesAfterRestart() {
        Decision lone = as("pg0").unlocked().replica().wal(500).optime(500).config("synchronous_mode", "quorum")
                .noMembers().member("pg0").sync("pg0", "", 0).decide();
        assertThat(lone.actions()).anyMatch(a -> a instanceof AcquireLeaderLock)
                .anyMatch(a -> a instanceof Action.Promote);
        Decision other = as("pg1").unlocked().wal(500).optime(500).config("synchronous_mode", "quorum")
                .sync("pg0", "", 0).peerUnreachable("pg0").peer("pg2", 400).decide();
        assertThat(other.actions()).noneMatch(a -> a instanceof AcquireLeaderLock);
    }

    /**
     * quorum_commit 1: strict mode turned on at run time on a lone quorum leader makes its commits wait for any standby
     * ({@code ANY 1 (*)}; Patroni writes {@code *} when it manages no name and strict mode is on), and turned off
     * again lets them through.
     */
    @Test
    void quorumModeStrictModeOnALoneLeaderWaitsForAnyStandby() {
        SyncState lone = new SyncState(7, "pg0", Set.of(), 0);
        SyncFacts none = new SyncFacts("", "on", 500, List.of());
        Decision strict = as("pg0").wal(500).config("synchronous_mode", "quorum")
                .config("synchronous_mode_strict", true).noMembers().member("pg0").sync("pg0", "", 0)
                .syncObserved(observed(none, lone, true)).decide();
        assertThat(steps(strict)).containsExactly(
                new SetStandbyNames("ANY 1 (*)", "Setting synchronous replication to 1 of 1 (*)"));
        SyncFacts star = new SyncFacts("ANY 1 (*)", "on", 500, List.of());
        Decision kept = as("pg0").wal(500).config("synchronous_mode", "quorum")
                .config("synchronous_mode_strict", true).noMembers().member("pg0").sync("pg0", "", 0)
                .syncObserved(observed(star, lone, true)).decide();
        assertThat(steps(kept)).isEmpty();
        Decision off = as("pg0").wal(500).config("synchronous_mode", "quorum").noMembers().member("pg0")
                .sync("pg0", "", 0).syncObserved(observed(star, lone, true)).decide();
        assertThat(steps(off)).containsExactly(
                new SetStandbyNames("", "Setting synchronous replication to 0 of 0 ()"));
    }

    /** basic_replication 2: the sync standby stops, the other replica becomes the sync standby (unpublished first). */
    @Test
    void onModeTheStoppedSyncStandbyIsReplaced() {
        SyncFacts gone = new SyncFacts("pg1", "on", 800, List.of(sender(2, "pg2", "async", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "on").memberState("pg1", "stopped")
                .sync("pg0", "pg1", 0).syncObserved(observed(gone, ON_PG1, false)).decide();
        assertThat(steps(d)).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Updating synchronous privilege temporarily from ['pg1'] to []"),
                new SetStandbyNames("pg2", "Assigning synchronous standby status to ['pg2']"));
    }

    /**
     * basic_replication 3: with {@code maximum_lag_on_syncnode} and {@code remote_apply}, a sync standby whose replay
     * is stuck beyond the limit is replaced by the healthy one.
     */
    @Test
    void onModeAStuckSyncStandbyIsReplaced() {
        long at = 50_000_000L;
        SyncFacts stuck = new SyncFacts("pg1", "remote_apply", at, List.of(
                new WalSender(1, "pg1", "sync", at, at, 1000L), sender(2, "pg2", "async", at)));
        Decision d = as("pg0").wal(at).config("synchronous_mode", "on").config("maximum_lag_on_syncnode", 15_000_000)
                .sync("pg0", "pg1", 0).syncObserved(observed(stuck, ON_PG1, false)).decide();
        assertThat(steps(d)).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Updating synchronous privilege temporarily from ['pg1'] to []"),
                new SetStandbyNames("pg2", "Assigning synchronous standby status to ['pg2']"));
    }

    /** basic_replication 4: {@code synchronous_node_count: 2} lists both replicas (sorted), then publishes both. */
    @Test
    void onModeTwoSynchronousStandbys() {
        SyncFacts one = new SyncFacts("pg1", "on", 800, List.of(sender(1, "pg1", "sync", 800),
                sender(2, "pg2", "async", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "on").config("synchronous_node_count", 2)
                .sync("pg0", "pg1", 0).syncObserved(observed(one, ON_PG1, false)).decide();
        assertThat(steps(d)).containsExactly(
                new SetStandbyNames("2 (pg1,pg2)", "Assigning synchronous standby status to ['pg1', 'pg2']"));
        SyncFacts both = new SyncFacts("2 (pg1,pg2)", "on", 900, List.of(sender(1, "pg1", "sync", 900),
                sender(2, "pg2", "sync", 900)));
        Decision next = as("pg0").wal(900).config("synchronous_mode", "on").config("synchronous_node_count", 2)
                .sync("pg0", "pg1", 0).syncObserved(observed(both, ON_PG1, false)).decide();
        // the value in force is asserted again (a no-op for the shell), then both are published
        assertThat(steps(next)).containsExactly(
                new SetStandbyNames("2 (pg1,pg2)", "Assigning synchronous standby status to ['pg1', 'pg2']"),
                new WriteSync("pg0", Set.of("pg1", "pg2"), 0, "Synchronous standby status assigned to ['pg1', 'pg2']"));
    }

    /** priority_sync 2: with one synchronous standby, the replica with the higher {@code sync_priority} takes it. */
    @Test
    void onModeTheHigherSyncPriorityWins() {
        SyncFacts facts = new SyncFacts("pg1", "on", 800, List.of(sender(1, "pg1", "sync", 800),
                sender(2, "pg2", "async", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "on").memberTag("pg2", "sync_priority", 2)
                .sync("pg0", "pg1", 0).syncObserved(observed(facts, ON_PG1, false)).decide();
        assertThat(steps(d)).containsExactly(
                new WriteSync("pg0", Set.of(), 0, "Updating synchronous privilege temporarily from ['pg1'] to []"),
                new SetStandbyNames("pg2", "Assigning synchronous standby status to ['pg2']"));
    }

    /**
     * quorum_commit 3: three nodes at {@code ANY 1} with quorum 1; {@code synchronous_node_count: 2} first raises
     * {@code synchronous_standby_names} to {@code ANY 2}, and once both standbys confirm it the quorum drops to 0.
     */
    @Test
    void quorumModeRaisingTheReplicationFactor() {
        SyncFacts any1 = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800, List.of(sender(1, "pg1", "quorum", 800),
                sender(2, "pg2", "quorum", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "quorum").config("synchronous_node_count", 2)
                .sync("pg0", "pg1,pg2", 1).syncObserved(observed(any1, QUORUM_1, true)).decide();
        assertThat(steps(d)).containsExactly(new SetStandbyNames("ANY 2 (pg1,pg2)",
                "Setting synchronous replication to 2 of 2 (pg1, pg2)"));
        SyncFacts any2 = new SyncFacts("ANY 2 (pg1,pg2)", "on", 900, List.of(sender(1, "pg1", "quorum", 900),
                sender(2, "pg2", "quorum", 900)));
        Decision next = as("pg0").wal(900).config("synchronous_mode", "quorum").config("synchronous_node_count", 2)
                .sync("pg0", "pg1,pg2", 1).syncObserved(observed(any2, QUORUM_1, true)).decide();
        assertThat(steps(next)).containsExactly(new WriteSync("pg0", Set.of("pg1", "pg2"), 0,
                "Setting leader to pg0, quorum to 0 of 2 (pg1, pg2)"));
    }

    /**
     * quorum_commit 4: switching from quorum to {@code on} takes the voters out of {@code /sync} before listing the
     * single synchronous standby in the priority form.
     */
    @Test
    void fromQuorumToOnMode() {
        SyncFacts any1 = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800, List.of(sender(1, "pg1", "quorum", 800),
                sender(2, "pg2", "quorum", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "on").sync("pg0", "pg1,pg2", 1)
                .syncObserved(observed(any1, QUORUM_1, false)).decide();
        assertThat(steps(d)).containsExactly(
                new WriteSync("pg0", Set.of(), 0,
                        "Updating synchronous privilege temporarily from ['pg1', 'pg2'] to []"),
                new SetStandbyNames("pg1", "Assigning synchronous standby status to ['pg1']"));
    }

    /**
     * quorum_commit 6: a replica tagged {@code nosync} leaves {@code synchronous_standby_names} and the voters; the
     * end state is Patroni's ({@code quorum=0}, {@code sync_standby=pg1}, {@code ANY 1 (pg1)}), reached one cycle later
     * than Patroni since Regent lowers the quorum only on confirmations against the new value.
     */
    @Test
    void quorumModeANosyncReplicaLeavesTheVoters() {
        SyncFacts any1 = new SyncFacts("ANY 1 (pg1,pg2)", "on", 800, List.of(sender(1, "pg1", "quorum", 800),
                sender(2, "pg2", "quorum", 800)));
        Decision d = as("pg0").wal(800).config("synchronous_mode", "quorum").memberTag("pg2", "nosync", true)
                .sync("pg0", "pg1,pg2", 1).syncObserved(observed(any1, QUORUM_1, true)).decide();
        assertThat(steps(d)).containsExactly(
                new SetStandbyNames("ANY 1 (pg1)", "Setting synchronous replication to 1 of 1 (pg1)"),
                new WriteSync("pg0", Set.of("pg1"), 1, "Setting leader to pg0, quorum to 1 of 1 (pg1)"));
        SyncFacts only1 = new SyncFacts("ANY 1 (pg1)", "on", 900, List.of(sender(1, "pg1", "quorum", 900),
                sender(2, "pg2", "async", 900)));
        SyncState after = new SyncState(8, "pg0", Set.of("pg1"), 1);
        Decision next = as("pg0").wal(900).config("synchronous_mode", "quorum").memberTag("pg2", "nosync", true)
                .sync("pg0", "pg1", 1).syncObserved(observed(only1, after, true)).decide();
        assertThat(steps(next)).containsExactly(
                new WriteSync("pg0", Set.of("pg1"), 0, "Setting leader to pg0, quorum to 0 of 1 (pg1)"));
    }
}
