package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.NOW;
import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.action.Action.Reinitialize;
import dev.regent.core.ha.action.Action.ReloadPostgres;
import dev.regent.core.ha.action.Action.RestartPostgres;
import dev.regent.core.ha.action.Action.SyncReplicationSlots;
import dev.regent.core.ha.action.Action.UpdateLeaderLock;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Operator commands from the REST API: restart, reinitialize, reload (§6.15). */
class CommandScenariosTest {
    private static final String FOLLOWING = "no action. I am (pg1), a secondary, and following a leader (pg0)";

    @Test
    void reloadPrefixesTheNormalDecision() {
        as("pg1").followed("pg2").command(new Command.Reload())
                .expect(FOLLOWING, new ReloadPostgres(), new dev.regent.core.ha.action.Action.Follow("pg0"));
    }

    @Test
    void restartOnLeaderRenewsFirstAndTimesTheStart() {
        Decision d = as("pg0").command(new Command.Restart(60))
                .expect("restart initiated", new UpdateLeaderLock(), new RestartPostgres(60));
        assertThat(d.memory().startingAsPrimarySince()).isEqualTo(NOW);
    }

    @Test
    void restartOnReplica() {
        as("pg1").command(new Command.Restart(null)).expect("restart initiated", new RestartPostgres(null));
    }

    @Test
    void restartWorksInPause() {
        as("pg1").paused().command(new Command.Restart(null)).expect("restart initiated", new RestartPostgres(null));
    }

    @Test
    void reinitializeIsRefusedOnTheLeader() {
        as("pg0").command(new Command.Reinitialize(true, false)).warns("I am the leader, can not reinitialize")
                .expect("no action. I am (pg0), the leader with the lock", new UpdateLeaderLock(),
                        new SyncReplicationSlots(Set.of("pg1", "pg2")));
    }

    @Test
    void reinitializeIsRefusedWithoutLeader() {
        as("pg1").unlocked().wal(100).optime(100).peer("pg2", 200).command(new Command.Reinitialize(false, false))
                .warns("Cluster has no leader, can not reinitialize")
                .expect("following a different leader because i am not the healthiest node");
    }

    @Test
    void reinitializeClonesFromTheCloneMember() {
        as("pg1").memberTag("pg2", "clonefrom", true).command(new Command.Reinitialize(false, false))
                .expect("reinitialize started", new Reinitialize("pg2"));
    }

    @Test
    void reinitializeFromLeaderIgnoresClonefromMembers() {
        as("pg1").memberTag("pg2", "clonefrom", true).command(new Command.Reinitialize(false, true))
                .expect("reinitialize started", new Reinitialize("pg0", true));
    }

    @Test
    void reinitializeRepairsAnInvalidDataDirectory() {
        as("pg1").sysid("garbage").command(new Command.Reinitialize(true, false))
                .expect("reinitialize started", new Reinitialize("pg0"));
    }

    @Test
    void reloadAndRestartTogether() {
        as("pg1").command(new Command.Reload()).command(new Command.Restart(null))
                .expect("restart initiated", new ReloadPostgres(), new RestartPostgres(null));
    }
}
