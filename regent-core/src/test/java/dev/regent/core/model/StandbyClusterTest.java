package dev.regent.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code standby_cluster} section as Patroni reads it (is_standby_cluster, RemoteMember, recovery params). */
class StandbyClusterTest {
    private static ClusterConfig config(Map<String, Object> section) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("standby_cluster", section);
        return new ClusterConfig(1, data);
    }

    @Test
    void activeOnlyWithHostPortOrRestoreCommand() {
        assertThat(StandbyCluster.of(ClusterConfig.empty())).isNull();
        assertThat(StandbyCluster.of(config(Map.of("primary_slot_name", "pm_1")))).isNull();
        assertThat(StandbyCluster.of(config(Map.of("host", "")))).as("an empty host is unset").isNull();
        assertThat(config(Map.of("port", 5433)).standbyCluster()).isNotNull();
        assertThat(config(Map.of("restore_command", "cp /a/%f %p")).standbyCluster().streams()).isFalse();
        assertThat(new ClusterConfig(1, Map.of("standby_cluster", "yes")).standbyCluster()).isNull();
    }

    @Test
    void theRemotePrimaryAndItsSlot() {
        StandbyCluster s = StandbyCluster.of(config(Map.of("host", "10.0.0.9", "port", "5433",
                "primary_slot_name", "pm_1")));
        assertThat(s.connUrl()).isEqualTo("postgres://10.0.0.9:5433/postgres");
        assertThat(s.primarySlotName()).isEqualTo("pm_1");
        assertThat(s.createReplicaMethods()).as("basebackup when not configured").containsExactly("basebackup");
        assertThat(StandbyCluster.of(config(Map.of("port", 5433))).connUrl())
                .isEqualTo("postgres://localhost:5433/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "h", "create_replica_methods",
                List.of("backup_restore", "basebackup")))).createReplicaMethods())
                .containsExactly("backup_restore", "basebackup");
    }

    @Test
    void severalHostsGiveLibpqsMultiHostUrlWithTheOnePortForEveryHost() {
        assertThat(StandbyCluster.of(config(Map.of("host", "10.0.0.9,10.0.0.10", "port", 5433))).connUrl())
                .isEqualTo("postgres://10.0.0.9:5433,10.0.0.10:5433/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", " db1.example , db2.example,db3 "))).connUrl())
                .as("spaces around the hosts are dropped; libpq's default port")
                .isEqualTo("postgres://db1.example:5432,db2.example:5432,db3:5432/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "::1,[fe80::1],10.0.0.9", "port", 6000))).connUrl())
                .as("IPv6 addresses in brackets, once")
                .isEqualTo("postgres://[::1]:6000,[fe80::1]:6000,10.0.0.9:6000/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "h1,,h2"))).connUrl()).as("empty entries skipped")
                .isEqualTo("postgres://h1:5432,h2:5432/postgres");
    }

    @Test
    void aPortListPairsOnePortWithEachHostInOrder() {
        assertThat(StandbyCluster.of(config(Map.of("host", "10.0.0.9,10.0.0.10", "port", "5432,5433"))).connUrl())
                .isEqualTo("postgres://10.0.0.9:5432,10.0.0.10:5433/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "h1, h2", "port", " 6000 , 6001 "))).connUrl())
                .as("spaces dropped").isEqualTo("postgres://h1:6000,h2:6001/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "h1,h2", "port", "6000,"))).connUrl())
                .as("an empty entry is libpq's default port").isEqualTo("postgres://h1:6000,h2:5432/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "h1", "port", 5433.0))).port()).isEqualTo("5433");
        assertThatThrownBy(() -> StandbyCluster.of(config(Map.of("host", "h1,h2,h3", "port", "5432,5433")))
                .connUrl()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("standby_cluster.port '5432,5433' gives 2 ports for 3 hosts in standby_cluster.host "
                        + "'h1,h2,h3': give one port for every host, or a single port");
        StandbyCluster bad = StandbyCluster.of(config(Map.of("port", "54x2")));
        assertThat(bad).as("still a standby cluster: nothing is promoted").isNotNull();
        assertThatThrownBy(bad::connUrl).hasMessage("standby_cluster.port '54x2': '54x2' is not a port number "
                + "(1-65535)");
        assertThatThrownBy(() -> StandbyCluster.of(config(Map.of("host", "h", "port", 70000))).connUrl())
                .hasMessage("standby_cluster.port '70000': '70000' is not a port number (1-65535)");
    }

    @Test
    void aUnixSocketDirectoryIsPercentEncodedAsLibpqsUrisWriteIt() {
        assertThat(StandbyCluster.of(config(Map.of("host", "/var/run/postgresql"))).connUrl())
                .isEqualTo("postgres://%2Fvar%2Frun%2Fpostgresql:5432/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "/tmp/pg sock,10.0.0.9", "port", "5433,5434")))
                .connUrl()).isEqualTo("postgres://%2Ftmp%2Fpg%20sock:5433,10.0.0.9:5434/postgres");
        assertThat(StandbyCluster.of(config(Map.of("host", "/srv/pgé"))).connUrl()).as("UTF-8 escapes")
                .isEqualTo("postgres://%2Fsrv%2Fpg%C3%A9:5432/postgres");
    }

    @Test
    void recoveryMinApplyDelayOnlyOnTheNodeFollowingTheRemotePrimary() {
        StandbyCluster s = StandbyCluster.of(config(Map.of("host", "h", "restore_command", "cp /a/%f %p",
                "archive_cleanup_command", "rm-older %r", "recovery_min_apply_delay", "5min")));
        assertThat(s.recoverySettings(true)).containsExactly(Map.entry("archive_cleanup_command", "rm-older %r"),
                Map.entry("recovery_min_apply_delay", "5min"), Map.entry("restore_command", "cp /a/%f %p"));
        assertThat(s.recoverySettings(false)).containsOnlyKeys("archive_cleanup_command", "restore_command");
        assertThat(s.toString()).isEqualTo("StandbyCluster[host=h, restoreCommand=cp /a/%f %p, "
                + "archiveCleanupCommand=rm-older %r, recoveryMinApplyDelay=5min]");
    }

    @Test
    void synchronousModeReadsAsOffInAStandbyCluster() {
        Map<String, Object> data = new LinkedHashMap<>(Map.of("synchronous_mode", "quorum"));
        assertThat(new ClusterConfig(1, data).synchronousMode()).isEqualTo("quorum");
        data.put("standby_cluster", Map.of("host", "h"));
        assertThat(new ClusterConfig(1, data).synchronousMode()).isEqualTo("off");
    }
}
