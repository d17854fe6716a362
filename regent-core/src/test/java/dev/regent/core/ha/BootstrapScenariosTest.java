package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.SYSID;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.AcquireLeaderLock;
import dev.regent.core.ha.action.Action.Bootstrap;
import dev.regent.core.ha.action.Action.CancelStaleInitialize;
import dev.regent.core.ha.action.Action.CloneReplica;
import dev.regent.core.ha.action.Action.FatalExit;
import dev.regent.core.ha.action.Action.RaceInitialize;
import dev.regent.core.ha.action.Action.ReleaseLeaderLock;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import dev.regent.core.ha.action.Action.WriteInitialize;
import dev.regent.core.ha.action.Action.WriteMissingConfig;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Empty data directory, the initialize race, cloning, adopting data and system-id checks (§6.3, §6.2 step 9). */
class BootstrapScenariosTest {
    private static Scenario fresh(String me) {
        return as(me).unlocked().initialize(null).emptyDataDir();
    }

    @Test
    void newClusterRacesForInitializeAndBootstraps() {
        fresh("pg0").expect("trying to bootstrap a new cluster", new RaceInitialize(), new Bootstrap());
    }

    @Test
    void nofailoverNodeNeverBootstraps() {
        fresh("pg0").tag("nofailover", true).expect("waiting for leader to bootstrap");
    }

    @Test
    void failoverPriorityZeroNeverBootstraps() {
        fresh("pg0").tag("failover_priority", 0).expect("waiting for leader to bootstrap");
    }

    @Test
    void nodeWithoutBootstrapSectionWaits() {
        fresh("pg1").noBootstrapSection().expect("waiting for leader to bootstrap");
    }

    @Test
    void otherNodeBootstrappingMeansWait() {
        fresh("pg1").initialize("").expect("waiting for leader to bootstrap");
    }

    /** A new cluster whose members all wait with empty data directories, {@code initialize} = "" at revision 7. */
    private static Scenario placeholderLeftBehind(String me) {
        return fresh(me).initialize("", 7).memberState("pg0", "stopped").memberState("pg1", "stopped")
                .memberState("pg2", "stopped");
    }

    @Test
    void placeholderNobodyCompletesIsRemovedAfterTtl() {
        // pg0 created initialize but saw a timeout (or the creator died): nobody reports a bootstrap, nobody leads
        Decision first = placeholderLeftBehind("pg0").expect("waiting for leader to bootstrap");
        assertThat(first.memory().stalledInitialize()).isEqualTo(new NodeMemory.StalledInitialize(7, Scenario.NOW));
        Decision atTtl = placeholderLeftBehind("pg0").memory(first.memory()).now(Scenario.NOW + 30_000)
                .expect("waiting for leader to bootstrap");
        assertThat(atTtl.memory().stalledInitialize()).isEqualTo(first.memory().stalledInitialize());
        Decision past = placeholderLeftBehind("pg0").memory(atTtl.memory()).now(Scenario.NOW + 30_001)
                .expect("removing initialize key: no leader and no member bootstrapping for longer than ttl (30 s)",
                        new CancelStaleInitialize(7));
        assertThat(past.memory().stalledInitialize()).isNull();
        // the next cycle sees no initialize key: the members race again
        fresh("pg0").memory(past.memory()).now(Scenario.NOW + 40_000)
                .expect("trying to bootstrap a new cluster", new RaceInitialize(), new Bootstrap());
    }

    @Test
    void anotherMembersBootstrapInProgressKeepsTheWait() {
        for (String state : new String[] {"initializing new cluster", "running custom bootstrap script",
                "starting after custom bootstrap", "starting", "running"}) {
            Decision d = placeholderLeftBehind("pg1").memberState("pg0", state).memory(NodeMemory.INITIAL
                    .withStalledInitialize(new NodeMemory.StalledInitialize(7, Scenario.NOW - 600_000)))
                    .expect("waiting for leader to bootstrap");
            assertThat(d.memory().stalledInitialize()).as(state).isNull();
        }
    }

    @Test
    void aNewPlaceholderRestartsTheClock() {
        // another member cancelled the stalled key and won the new race: its bootstrap gets a full ttl to show up
        NodeMemory old = NodeMemory.INITIAL.withStalledInitialize(new NodeMemory.StalledInitialize(7, Scenario.NOW
                - 600_000));
        Decision d = placeholderLeftBehind("pg1").initialize("", 9).memory(old)
                .expect("waiting for leader to bootstrap");
        assertThat(d.memory().stalledInitialize()).isEqualTo(new NodeMemory.StalledInitialize(9, Scenario.NOW));
    }

    @Test
    void onlyANodeThatMayBootstrapRemovesThePlaceholder() {
        NodeMemory old = NodeMemory.INITIAL.withStalledInitialize(new NodeMemory.StalledInitialize(7, Scenario.NOW
                - 600_000));
        placeholderLeftBehind("pg1").tag("nofailover", true).memory(old).expect("waiting for leader to bootstrap");
        placeholderLeftBehind("pg1").noBootstrapSection().memory(old).expect("waiting for leader to bootstrap");
        placeholderLeftBehind("pg1").paused().memory(old).expect("running with empty data directory");
        placeholderLeftBehind("pg1").leader("pg0").memory(old)
                .expect("trying to bootstrap from leader 'pg0'", new CloneReplica("pg0"));
    }

    @Test
    void failedBootstrapExitsTheProcess() {
        // Patroni 4: cancel_initialization raises PatroniFatalException; the node never waits for itself
        fresh("pg0").bootstrapFailed().expect("Failed to bootstrap cluster",
                new FatalExit("Failed to bootstrap cluster"));
    }

    @Test
    void failedBootstrapExitsEvenWhenTheDcsIsUnreachable() {
        fresh("pg0").bootstrapFailed().dcsDown().expect("Failed to bootstrap cluster",
                new FatalExit("Failed to bootstrap cluster"));
    }

    @Test
    void initializedClusterWithoutLeaderMakesAnEmptyNodeWait() {
        as("pg2").unlocked().emptyDataDir().expect("waiting for leader to bootstrap");
    }

    @Test
    void noLeaderMethodCreatesTheReplicaWithoutALeader() {
        // Patroni: can_create_replica_without_replication_connection -> "bootstrap (without leader)"
        as("pg2").unlocked().emptyDataDir().replicaWithoutLeader()
                .expect("trying to bootstrap (without leader)", new CloneReplica(null));
    }

    @Test
    void noLeaderMethodWaitsWhileAnotherMemberBootstraps() {
        fresh("pg1").initialize("").replicaWithoutLeader().expect("waiting for leader to bootstrap");
    }

    @Test
    void noLeaderMethodDoesNotKeepANewClusterFromBeingBootstrapped() {
        fresh("pg0").replicaWithoutLeader().expect("trying to bootstrap a new cluster", new RaceInitialize(),
                new Bootstrap());
        fresh("pg0").replicaWithoutLeader().tag("nofailover", true)
                .expect("trying to bootstrap (without leader)", new CloneReplica(null));
    }

    @Test
    void replicaClonesFromTheLeader() {
        as("pg2").emptyDataDir().expect("trying to bootstrap from leader 'pg0'", new CloneReplica("pg0"));
    }

    @Test
    void replicaClonesFromTheFirstRunningClonefromMember() {
        as("pg3").member("pg3").member("pg4").memberTag("pg4", "clonefrom", true).memberTag("pg2", "clonefrom", true)
                .emptyDataDir()
                .expect("trying to bootstrap from replica 'pg2'", new CloneReplica("pg2"));
    }

    @Test
    void stoppedClonefromMemberIsNotUsed() {
        as("pg1").memberTag("pg2", "clonefrom", true).memberState("pg2", "stopped").emptyDataDir()
                .expect("trying to bootstrap from leader 'pg0'", new CloneReplica("pg0"));
    }

    @Test
    void leaderWithEmptyDataDirReleasesTheLock() {
        as("pg0").emptyDataDir().expect("released leader key voluntarily as data dir empty and currently leader",
                new ReleaseLeaderLock());
    }

    @Test
    void pausedNodeWithEmptyDataDirDoesNothing() {
        as("pg1").paused().emptyDataDir().expect("running with empty data directory");
    }

    @Test
    void bootstrapRunningInBackground() {
        fresh("pg0").initialize("").task("bootstrap").expect("bootstrap in progress");
    }

    @Test
    void existingPrimaryAdoptsItsDataWhenInitializeIsMissing() {
        as("pg0").unlocked().initialize(null).primary().notWasLeader()
                .expect("acquired session lock as a leader", new WriteInitialize(SYSID), new AcquireLeaderLock());
    }

    @Test
    void replicaWithoutInitializeKeyRefusesToStart() {
        String msg = "No initialize key in DCS and PostgreSQL is running as replica, aborting start";
        as("pg1").unlocked().initialize(null).replica()
                .warns("Please first start Patroni on the node running as primary")
                .expect(msg, new FatalExit(msg));
    }

    @Test
    void systemIdMismatchIsFatal() {
        String msg = "system ID mismatch, node pg1 belongs to a different cluster: " + SYSID
                + " != 7000000000000000042";
        as("pg1").sysid("7000000000000000042").expect(msg, new FatalExit(msg));
    }

    @Test
    void systemIdMismatchInPauseReleasesTheLock() {
        as("pg0").paused().sysid("7000000000000000042")
                .expect("released leader key voluntarily due to the system ID mismatch",
                new ReleaseLeaderLock());
    }

    @Test
    void invalidSystemIdSuggestsReinitialize() {
        as("pg1").sysid("garbage")
                .expect("data dir for the cluster is not empty, but system ID is invalid; consider doing reinitialize");
    }

    @Test
    void pausedNodeDoesNotAdoptItsData() {
        as("pg0").unlocked().initialize(null).primary().paused().expect("acquired session lock as a leader",
                new AcquireLeaderLock());
    }

    @Test
    void leaderWritesMissingSysidAndConfig() {
        as("pg0").initialize("").noConfig().expect("no action. I am (pg0), the leader with the lock",
                new UpdateLeaderLock(), new SyncReplicationSlots(Set.of("pg1", "pg2")), new WriteInitialize(SYSID),
                new WriteMissingConfig());
    }

    @Test
    void raceWinnerMemoryLeavesLockBookkeepingToTheShell() {
        Decision d = fresh("pg0").decide();
        assertThat(d.memory().wasLeader()).isFalse();
        assertThat(d.memory().lockValidUntil()).isZero();
    }
}
