package dev.regent.core.slots;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /status.retain_slots}: member_slots_ttl. */
class RetainedSlotsTest {
    @Test
    void departedMemberIsRetainedForTheTtlThenForgotten() {
        Map<String, Long> m = RetainedSlots.update(Map.of(), List.of(), List.of("pg0", "pg1", "pg2"), 1_000, 60);
        assertThat(RetainedSlots.names(m)).containsExactly("pg0", "pg1", "pg2");
        m = RetainedSlots.update(m, List.of("pg0", "pg1", "pg2"), List.of("pg0", "pg1"), 31_000, 60);
        assertThat(RetainedSlots.names(m)).containsExactly("pg0", "pg1", "pg2");
        m = RetainedSlots.update(m, List.of("pg0", "pg1", "pg2"), List.of("pg0", "pg1"), 61_000, 60);
        assertThat(RetainedSlots.names(m)).as("still within 60 s of 1 s").containsExactly("pg0", "pg1", "pg2");
        m = RetainedSlots.update(m, List.of("pg0", "pg1", "pg2"), List.of("pg0", "pg1"), 61_001, 60);
        assertThat(RetainedSlots.names(m)).containsExactly("pg0", "pg1");
    }

    @Test
    void namesPublishedByAPreviousLeaderAreTakenOverFromNow() {
        Map<String, Long> m = RetainedSlots.update(Map.of(), List.of("gone"), List.of("pg0"), 5_000, 10);
        assertThat(m).containsEntry("gone", 5_000L);
        assertThat(RetainedSlots.update(m, List.of("gone"), List.of("pg0"), 15_001, 10)).containsOnlyKeys("pg0");
    }

    @Test
    void ttlZeroRetainsNothing() {
        assertThat(RetainedSlots.update(Map.of("a", 1L), List.of("b"), List.of("c"), 5, 0)).isEmpty();
    }
}
