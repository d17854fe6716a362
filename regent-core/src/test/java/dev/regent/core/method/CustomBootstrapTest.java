package dev.regent.core.method;

import static dev.regent.core.method.ReplicaMethodsTest.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni 4's _custom_bootstrap arguments and its hot_standby rule for the bootstrap recovery. */
class CustomBootstrapTest {

    @Test
    void scopeAndDatadirThenTheMethodsOwnKeysExceptReservedOnes() {
        Map<String, Object> section = map("command", "/usr/share/patroni/pg_createcluster_patroni",
                "keep_existing_recovery_conf", true, "recovery_conf", map("restore_command", "cp %f %p"),
                "no_params", false, "scope", "ignored", "datadir", "ignored", "stanza", "main", "delta", true);
        CustomBootstrap b = CustomBootstrap.of("pg_createcluster", section, "15-main", "/var/lib/postgresql/15/main");
        assertThat(b.command()).isEqualTo("/usr/share/patroni/pg_createcluster_patroni");
        assertThat(b.params()).containsExactly("--scope=15-main", "--datadir=/var/lib/postgresql/15/main",
                "--stanza=main", "--delta=True");
        assertThat(b.keepExistingRecoveryConf()).isTrue();
        assertThat(b.recoveryConf()).containsEntry("restore_command", "cp %f %p");
    }

    @Test
    void noParamsLeavesOutScopeAndDatadirButNotTheOwnKeys() {
        CustomBootstrap b = CustomBootstrap.of("restore", map("command", "restore.sh --from backup", "no_params",
                "yes", "target", 3L), "demo", "/d");
        assertThat(b.command()).isEqualTo("restore.sh --from backup");
        assertThat(b.params()).containsExactly("--target=3");
        assertThat(b.keepExistingRecoveryConf()).isFalse();
        assertThat(b.recoveryConf()).isNull();
    }

    @Test
    void initdbOrAMethodWithoutCommandIsNoCustomBootstrap() {
        assertThat(CustomBootstrap.of(null, null, "s", "/d")).isNull();
        assertThat(CustomBootstrap.of("initdb", map("command", "x"), "s", "/d")).isNull();
        assertThat(CustomBootstrap.of("m", null, "s", "/d")).isNull();
        assertThat(CustomBootstrap.of("m", map("other", "x"), "s", "/d")).isNull();
    }

    @Test
    void hotStandbyIsOffWhenTheRecoveryEndsInPromotionOrTheToolsSettingsAreKept() {
        record Row(Map<String, Object> section, boolean off) {}
        for (Row r : List.of(
                new Row(map("command", "x"), false),
                new Row(map("command", "x", "keep_existing_recovery_conf", true), true),
                new Row(map("command", "x", "recovery_conf", map("restore_command", "cp")), false),
                new Row(map("command", "x", "recovery_conf", map("recovery_target_action", "promote")), true),
                new Row(map("command", "x", "recovery_conf", map("recovery_target_action", "pause")), false),
                new Row(map("command", "x", "recovery_conf", map("pause_at_recovery_target", false)), true),
                new Row(map("command", "x", "recovery_conf", map("pause_at_recovery_target", "off")), true),
                new Row(map("command", "x", "recovery_conf", map("pause_at_recovery_target", true)), false))) {
            assertThat(CustomBootstrap.of("m", r.section(), "s", "/d").hotStandbyOff()).as(r.section().toString())
                    .isEqualTo(r.off());
        }
    }

    @Test
    void pythonStrOfValues() {
        assertThat(PythonValues.str(true)).isEqualTo("True");
        assertThat(PythonValues.str(null)).isEqualTo("None");
        assertThat(PythonValues.str(1.0)).isEqualTo("1.0");
        assertThat(PythonValues.str(1e16)).isEqualTo("1e+16");
        assertThat(PythonValues.str(1.5e-5)).isEqualTo("1.5e-05");
        assertThat(PythonValues.str(12345678.5)).isEqualTo("12345678.5");
        assertThat(PythonValues.str(List.of("it's", "a\\b"))).isEqualTo("[\"it's\", 'a\\\\b']");
        assertThat(PythonValues.str(map("k", 1L, "b", false))).isEqualTo("{'k': 1, 'b': False}");
        assertThat(PythonValues.truthy("0")).isTrue();
        assertThat(PythonValues.truthy("")).isFalse();
        assertThat(PythonValues.truthy(0L)).isFalse();
        assertThat(PythonValues.truthy(0.0)).isFalse();
    }
}
