package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Patroni's per-version rules, rendered for server versions that are not installed here. */
class VersionedRenderingTest {
    private static final Listen LISTEN = Listen.parse("127.0.0.1:5432");

    @Test
    void walKeepSegmentsBecomesWalKeepSizeAt16MbPerSegmentFrom13() {
        Map<String, String> p15 = ConfigRenderer.serverParameters(Map.of("wal_keep_segments", 100), "c", LISTEN,
                150008);
        assertThat(p15).containsEntry("wal_keep_size", "1600MB").doesNotContainKey("wal_keep_segments");
        Map<String, String> p13 = ConfigRenderer.serverParameters(Map.of("wal_keep_segments", "3"), "c", LISTEN,
                130000);
        assertThat(p13).containsEntry("wal_keep_size", "48MB").doesNotContainKey("wal_keep_segments");
        // not a number: Patroni's default of 8 segments (Postgresql reports the value as a finding)
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_keep_segments", "lots"), "c", LISTEN, 150000))
                .containsEntry("wal_keep_size", "128MB").doesNotContainKey("wal_keep_segments");
    }

    @Test
    void anExplicitWalKeepSizeWinsOverWalKeepSegments() {
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("wal_keep_segments", 100);
        given.put("wal_keep_size", "1GB");
        assertThat(ConfigRenderer.serverParameters(given, "c", LISTEN, 160000))
                .containsEntry("wal_keep_size", "1GB").doesNotContainKey("wal_keep_segments");
        assertThat(ConfigRenderer.serverParameters(given, "c", LISTEN, 110000))
                .containsEntry("wal_keep_segments", "100").doesNotContainKey("wal_keep_size");
    }

    @Test
    void walKeepSizeBecomesSegmentsBefore13() {
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_keep_size", "1GB"), "c", LISTEN, 120000))
                .containsEntry("wal_keep_segments", "64").doesNotContainKey("wal_keep_size");
        // unit-less wal_keep_size is in MB; (100 + 8) / 16 = 6
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_keep_size", 100), "c", LISTEN, 90624))
                .containsEntry("wal_keep_segments", "6");
        // neither given: Patroni's defaults, 8 segments or 128MB
        assertThat(ConfigRenderer.serverParameters(Map.of(), "c", LISTEN, 100000))
                .containsEntry("wal_keep_segments", "8").doesNotContainKey("wal_keep_size");
        assertThat(ConfigRenderer.serverParameters(Map.of(), "c", LISTEN, 150000))
                .containsEntry("wal_keep_size", "128MB").doesNotContainKey("wal_keep_segments");
    }

    @Test
    void invalidProtectedValuesFallBackToTheDefaultOfTheirVersion() {
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_keep_size", "8MB"), "c", LISTEN, 150000))
                .containsEntry("wal_keep_size", "128MB");
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_keep_segments", 0), "c", LISTEN, 110000))
                .containsEntry("wal_keep_segments", "8");
    }

    @Test
    void walLevelAndProtectedGucsFollowTheVersion() {
        Map<String, String> p94 = ConfigRenderer.serverParameters(Map.of("wal_level", "replica"), "c", LISTEN, 90400);
        assertThat(p94).containsEntry("wal_level", "hot_standby").doesNotContainKey("cluster_name")
                .doesNotContainKey("track_commit_timestamp").containsEntry("max_replication_slots", "10");
        Map<String, String> p93 = ConfigRenderer.serverParameters(Map.of(), "c", LISTEN, 90300);
        assertThat(p93).doesNotContainKeys("max_replication_slots", "max_worker_processes", "wal_log_hints");
        assertThat(ConfigRenderer.serverParameters(Map.of("wal_level", "hot_standby"), "c", LISTEN, 90600))
                .containsEntry("wal_level", "replica").containsEntry("cluster_name", "c");
    }

    @Test
    void recoveryOn12AndLaterGoesIntoPostgresqlConfWithStandbySignal() {
        Map<String, Object> recoveryConf = new LinkedHashMap<>();
        recoveryConf.put("restore_command", "cp ../wal_archive/%f %p");
        recoveryConf.put("recovery_target_time", "2020-01-01");   // never for a replica
        recoveryConf.put("primary_conninfo", "host=elsewhere");   // Regent's own wins
        recoveryConf.put("trigger_file", "/tmp/promote");          // renamed on 12+
        recoveryConf.put("pause_at_recovery_target", false);
        Map<String, String> wanted = ConfigRenderer.recoveryParameters("host=h port=1", "pg_1", recoveryConf, 150000);
        ConfigRenderer.RecoveryLayout l = ConfigRenderer.recoveryLayout(wanted, 150000);
        assertThat(l.signalFile()).isEqualTo("standby.signal");
        assertThat(l.recoveryConf()).isNull();
        assertThat(l.confBlock()).containsEntry("restore_command", "cp ../wal_archive/%f %p")
                .containsEntry("primary_conninfo", "host=h port=1").containsEntry("primary_slot_name", "pg_1")
                .containsEntry("recovery_target_time", "").containsEntry("recovery_target", "")
                .containsEntry("recovery_target_timeline", "latest").containsEntry("promote_trigger_file",
                        "/tmp/promote").containsEntry("recovery_target_action", "promote")
                .doesNotContainKeys("standby_mode", "trigger_file", "pause_at_recovery_target");
    }

    @Test
    void standbyModeOffMeansRecoverySignal() {
        Map<String, String> wanted = new LinkedHashMap<>(
                ConfigRenderer.recoveryParameters(null, null, Map.of(), 130000));
        wanted.put("standby_mode", "off");
        assertThat(ConfigRenderer.recoveryLayout(wanted, 130000).signalFile()).isEqualTo("recovery.signal");
    }

    @Test
    void recoveryBefore12GoesIntoRecoveryConf() {
        Map<String, Object> recoveryConf = Map.of("restore_command", "cp /a/%f %p", "promote_trigger_file", "/t",
                "recovery_target_action", "promote");
        Map<String, String> wanted = ConfigRenderer.recoveryParameters("host=h port=1", "pg_1", recoveryConf, 110005);
        ConfigRenderer.RecoveryLayout l = ConfigRenderer.recoveryLayout(wanted, 110005);
        assertThat(l.signalFile()).isNull();
        assertThat(l.confBlock()).isEmpty();
        assertThat(l.recoveryConf()).isEqualTo("""
                # Do not edit this file manually!
                # It will be overwritten by Patroni!
                primary_conninfo = 'host=h port=1'
                primary_slot_name = 'pg_1'
                recovery_target_timeline = 'latest'
                restore_command = 'cp /a/%f %p'
                standby_mode = 'on'
                trigger_file = '/t'
                """);
        // recovery_target_action from recovery_conf is a recovery target setting: not for a replica
        assertThat(l.recoveryConf()).doesNotContain("recovery_target_action").doesNotContain("pause_at");
    }

    @Test
    void recoveryTargetActionBecomesPauseAtRecoveryTargetBefore95() {
        Map<String, String> given = new LinkedHashMap<>(Map.of("recovery_target_action", "promote",
                "standby_mode", "on"));
        assertThat(ConfigRenderer.recoveryLayout(given, 90400).recoveryConf())
                .contains("pause_at_recovery_target = 'false'").doesNotContain("recovery_target_action");
    }

    @Test
    void recoveryGucsAreStrippedFromPostgresqlAutoConf() {
        String auto = "# Do not edit this file manually!\nwork_mem = '8MB'\nprimary_conninfo = 'host=x'\n"
                + "restore_command='cp'\n";
        assertThat(ConfigRenderer.withoutRecoveryGucs(auto))
                .isEqualTo("# Do not edit this file manually!\nwork_mem = '8MB'\n");
        assertThat(ConfigRenderer.withoutRecoveryGucs("work_mem = '8MB'\n")).isNull();
    }
}
