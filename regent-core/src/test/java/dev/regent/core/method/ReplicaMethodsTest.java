package dev.regent.core.method;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.method.ReplicaMethods.Basebackup;
import dev.regent.core.method.ReplicaMethods.Custom;
import dev.regent.core.method.ReplicaMethods.Step;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The argument tables of Patroni's create_replica (patroni/postgresql/bootstrap.py), one row per shape. */
class ReplicaMethodsTest {
    private static final String DSN = "dbname=postgres user=replicator host=10.0.0.1 port=5432";

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    record Row(String name, Map<String, Object> section, String connstring, String command, List<String> params,
               boolean keepData, boolean wipeAfterFailure) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Row> rows() {
        return List.of(
                new Row("command and Patroni's four arguments", map("command", "/usr/bin/wal-g-restore"), DSN,
                        "/usr/bin/wal-g-restore", List.of("--scope=demo", "--role=replica", "--datadir=/pg/data",
                        "--connstring=" + DSN), false, true),
                new Row("own keys first, in YAML order, Python's str() of each value",
                        map("command", "restore.sh", "stanza", "main", "delta", true, "process-max", 4L,
                                "ratio", 0.5, "empty", null, "list", List.of("a", 1L)), DSN, "restore.sh",
                        List.of("--stanza=main", "--delta=True", "--process-max=4", "--ratio=0.5", "--empty=None",
                                "--list=['a', 1]", "--scope=demo", "--role=replica", "--datadir=/pg/data",
                                "--connstring=" + DSN), false, true),
                new Row("flags are passed too when no_params is not set (as Patroni does)",
                        map("command", "x", "no_leader", "1", "keep_data", true), DSN, "x",
                        List.of("--no_leader=1", "--keep_data=True", "--scope=demo", "--role=replica",
                                "--datadir=/pg/data", "--connstring=" + DSN), true, false),
                new Row("a key named like a Patroni argument keeps its place and takes Patroni's value",
                        map("command", "x", "scope", "other", "extra", "e"), DSN, "x",
                        List.of("--scope=demo", "--extra=e", "--role=replica", "--datadir=/pg/data",
                                "--connstring=" + DSN), false, true),
                new Row("no_params: only the section's own keys, flags dropped",
                        map("command", "/usr/local/bin/clone --fast", "no_params", true, "no_leader", 1L,
                                "no_master", 1L, "keep_data", true, "target", "t1"), DSN,
                        "/usr/local/bin/clone --fast", List.of("--target=t1"), true, true),
                new Row("no section: the method's name is the command", null, DSN, "pgbackrest",
                        List.of("--scope=demo", "--role=replica", "--datadir=/pg/data", "--connstring=" + DSN),
                        false, true),
                new Row("no source: empty connstring", map("command", "restore", "no_leader", true), "", "restore",
                        List.of("--no_leader=True", "--scope=demo", "--role=replica", "--datadir=/pg/data",
                                "--connstring="), false, true),
                new Row("Python truthiness: keep_data 'false' is a non-empty string, so true",
                        map("command", "x", "keep_data", "false"), DSN, "x",
                        List.of("--keep_data=false", "--scope=demo", "--role=replica", "--datadir=/pg/data",
                                "--connstring=" + DSN), true, false),
                new Row("keep_data: 0 is false", map("command", "x", "keep_data", 0L), DSN, "x",
                        List.of("--keep_data=0", "--scope=demo", "--role=replica", "--datadir=/pg/data",
                                "--connstring=" + DSN), false, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void argumentsAsPatroniBuildsThem(Row row) {
        String method = row.section() == null ? "pgbackrest" : "m";
        Custom c = ReplicaMethods.custom(method, row.section(), "demo", "/pg/data", row.connstring());
        assertThat(c.command()).isEqualTo(row.command());
        assertThat(c.params()).containsExactlyElementsOf(row.params());
        assertThat(c.keepData()).as("keep_data").isEqualTo(row.keepData());
        assertThat(c.wipeAfterFailure()).as("wipe after failure").isEqualTo(row.wipeAfterFailure());
    }

    @Test
    void stepsFollowTheConfiguredOrderWithBasebackupBuiltIn() {
        Map<String, Map<String, Object>> sections = Map.of("wal_g", map("command", "wal-g-fetch"),
                "pgbackrest", map("command", "pgbackrest-restore"));
        List<Step> steps = ReplicaMethods.plan(List.of("wal_g", "basebackup", "pgbackrest"), sections, "demo",
                "/d", DSN, false);
        assertThat(steps).extracting(Step::method).containsExactly("wal_g", "basebackup", "pgbackrest");
        assertThat(steps.get(1)).isInstanceOf(Basebackup.class);
        assertThat(((Custom) steps.get(2)).command()).isEqualTo("pgbackrest-restore");
    }

    @Test
    void withoutASourceOnlyNoLeaderMethodsRemain() {
        Map<String, Map<String, Object>> sections = Map.of("a", map("command", "a"),
                "b", map("command", "b", "no_leader", true), "c", map("command", "c", "no_master", "1"),
                "d", map("command", "d", "no_leader", false));
        List<String> methods = List.of("a", "basebackup", "b", "c", "d");
        assertThat(ReplicaMethods.plan(methods, sections, "s", "/d", null, false)).extracting(Step::method)
                .containsExactly("b", "c");
        assertThat(ReplicaMethods.plan(methods, sections, "s", "/d", "", false)).extracting(Step::method)
                .containsExactly("b", "c");
        assertThat(ReplicaMethods.canCreateWithoutLeader(methods, sections)).isTrue();
        assertThat(ReplicaMethods.canCreateWithoutLeader(List.of("a", "basebackup", "d"), sections)).isFalse();
        assertThat(ReplicaMethods.plan(List.of("a", "basebackup"), sections, "s", "/d", null, false)).isEmpty();
    }

    @Test
    void reinitFromLeaderUsesBasebackupAlone() {
        Map<String, Map<String, Object>> sections = Map.of("a", map("command", "a"));
        assertThat(ReplicaMethods.plan(List.of("a"), sections, "s", "/d", DSN, true)).extracting(Step::method)
                .containsExactly("basebackup");
    }

    @Test
    void configuredFallsBackToTheLegacyKeyThenToBasebackup() {
        assertThat(ReplicaMethods.configured(List.of("x"), List.of("pg_clonecluster"))).containsExactly("x");
        assertThat(ReplicaMethods.configured(null, List.of("pg_clonecluster"))).containsExactly("pg_clonecluster");
        assertThat(ReplicaMethods.configured(List.of(), List.of("pg_clonecluster")))
                .containsExactly("pg_clonecluster");
        assertThat(ReplicaMethods.configured(null, null)).containsExactly("basebackup");
        assertThat(ReplicaMethods.configured(List.of(), List.of())).containsExactly("basebackup");
    }
}
