package dev.regent.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyncStandbyNamesTest {

    @Test
    void rendersPatronisSpelling() {
        assertThat(SyncStandbyNames.render(Set.of(), null, false)).isNull();
        assertThat(SyncStandbyNames.render(Set.of("pg1"), null, false)).isEqualTo("pg1");
        assertThat(SyncStandbyNames.render(Set.of("postgres-1"), null, false)).isEqualTo("\"postgres-1\"");
        assertThat(SyncStandbyNames.render(List.of("postgres-2", "postgres-1"), null, false))
                .isEqualTo("2 (\"postgres-1\",\"postgres-2\")");
        assertThat(SyncStandbyNames.render(List.of("pg3", "pg1", "pg2"), null, false)).isEqualTo("3 (pg1,pg2,pg3)");
        assertThat(SyncStandbyNames.render(List.of("pg1"), 1, true)).isEqualTo("ANY 1 (pg1)");
        assertThat(SyncStandbyNames.render(List.of("postgres-2", "postgres-0"), 1, true))
                .isEqualTo("ANY 1 (\"postgres-0\",\"postgres-2\")");
        assertThat(SyncStandbyNames.render(Set.of("*"), null, false)).isEqualTo("*");
        assertThat(SyncStandbyNames.render(Set.of(), 1, false)).as("strict, nobody").isEqualTo("*");
        assertThat(SyncStandbyNames.render(Set.of(), 1, true)).isEqualTo("ANY 1 (*)");
        assertThat(SyncStandbyNames.render(Set.of("a\"b"), null, false)).isEqualTo("\"a\"\"b\"");
        assertThat(SyncStandbyNames.render(Set.of("Pg_1$x"), null, false)).isEqualTo("Pg_1$x");
    }

    @Test
    void parsesEveryForm() {
        assertThat(SyncStandbyNames.parse("").kind()).isEqualTo(SyncStandbyNames.Kind.OFF);
        assertThat(SyncStandbyNames.parse("  ").numsync()).isZero();
        var first = SyncStandbyNames.parse("FiRsT");
        assertThat(first.kind()).isEqualTo(SyncStandbyNames.Kind.PRIORITY);
        assertThat(first.members()).containsExactly("FiRsT");
        assertThat(SyncStandbyNames.parse("\"1\"").members()).containsExactly("1");
        var list = SyncStandbyNames.parse(" a , b ");
        assertThat(list.members()).containsExactly("a", "b");
        assertThat(list.num()).isEqualTo(1);
        var any = SyncStandbyNames.parse("ANY 4(\"a\",*,b)");
        assertThat(any.kind()).isEqualTo(SyncStandbyNames.Kind.QUORUM);
        assertThat(any.hasStar()).isTrue();
        assertThat(any.num()).isEqualTo(4);
        assertThat(any.numsync()).as("a star lists nobody by name").isZero();
        var prio = SyncStandbyNames.parse("2 (\"postgres-1\",\"postgres-2\")");
        assertThat(prio.kind()).isEqualTo(SyncStandbyNames.Kind.PRIORITY);
        assertThat(prio.names()).containsExactly("postgres-1", "postgres-2");
        assertThat(prio.lists("POSTGRES-1")).as("case-insensitive").isTrue();
        assertThat(SyncStandbyNames.parse("first 2 (a, b)").num()).isEqualTo(2);
        assertThat(SyncStandbyNames.parse("\"a\"\"b\"").members()).containsExactly("a\"b");
        assertThat(SyncStandbyNames.parse("firstname").members()).as("a name starting like a keyword")
                .containsExactly("firstname");
    }

    @Test
    void roundTripsWhatItRenders() {
        for (var names : List.of(Set.of("pg1"), Set.of("postgres-1", "postgres-2"), Set.of("a b", "c"))) {
            var p = SyncStandbyNames.parse(SyncStandbyNames.render(names, null, false));
            assertThat(Set.copyOf(p.names())).isEqualTo(names);
            assertThat(p.numsync()).isEqualTo(names.size());
            var q = SyncStandbyNames.parse(SyncStandbyNames.render(names, 1, true));
            assertThat(q.kind()).isEqualTo(SyncStandbyNames.Kind.QUORUM);
            assertThat(Set.copyOf(q.names())).isEqualTo(names);
        }
    }

    @Test
    void refusesUnparsableValuesNamingTheToken() {
        for (String bad : List.of("1", "a,", "ANY 4(\"a\" b,\"c c\")", "FIRST 4(\"a\",)", "2 (,)", "a;b", "\"open")) {
            assertThatThrownBy(() -> SyncStandbyNames.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Unparseable synchronous_standby_names value");
        }
        assertThatThrownBy(() -> SyncStandbyNames.parse("a b")).hasMessageContaining("unexpected b at 2");
    }
}
