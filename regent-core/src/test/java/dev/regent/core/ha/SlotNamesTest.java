package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Patroni's slot_name_from_member_name. */
class SlotNamesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "postgres-0, postgres_0",
            "PG.Node-1, pg_node_1",
            "a_b, a_b",
            "a b, au0032b",
            "x@y, xu0064y",
            "ünï, u0252nu0239",
            "€, u8364",
    })
    void sanitizes(String member, String slot) {
        assertThat(SlotNames.fromMemberName(member)).isEqualTo(slot);
        assertThat(SlotNames.isValid(SlotNames.fromMemberName(member))).isTrue();
    }

    @Test
    void truncatesTo63Characters() {
        String slot = SlotNames.fromMemberName("n".repeat(70));
        assertThat(slot).hasSize(63);
        assertThat(SlotNames.fromMemberName("a".repeat(61) + "+b")).isEqualTo("a".repeat(61) + "u0");
    }

    @Test
    void validity() {
        assertThat(SlotNames.isValid("pg_1")).isTrue();
        assertThat(SlotNames.isValid("Pg1")).isFalse();
        assertThat(SlotNames.isValid("")).isFalse();
        assertThat(SlotNames.isValid("x".repeat(64))).isFalse();
    }
}
