package dev.regent.core.slots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni 4.x's readiness check of copied logical slots. */
class LogicalSlotReadinessTest {
    private static Map<String, Long> map(Object... kv) {
        Map<String, Long> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Long) kv[i + 1]);
        return m;
    }

    @Test
    void aCopyIsPendingUntilThePhysicalSlotHoldsItsCatalogXminOnThePrimary() {
        Map<String, Long> queue = map("cdc", null);
        // not streaming yet: the physical slot on the primary has no catalog_xmin; nothing is remembered
        LogicalSlotReadiness.Result r = LogicalSlotReadiness.check(queue, map("cdc", 740L), null, map("cdc", 735L));
        assertThat(r.queue()).containsEntry("cdc", null);
        assertThat(r.ready()).isEmpty();
        // feedback arrives, but older than the primary's logical catalog_xmin: remembered, not ready
        r = LogicalSlotReadiness.check(r.queue(), map("cdc", 740L), 735L, map("cdc", 735L));
        assertThat(r.queue()).containsEntry("cdc", 740L);
        assertThat(r.ready()).isEmpty();
        // the copy was advanced and the feedback overtook the remembered value: safe
        r = LogicalSlotReadiness.check(r.queue(), Map.of(), 742L, map("cdc", 742L));
        assertThat(r.ready()).containsExactly("cdc");
        assertThat(r.queue()).isEmpty();
    }

    @Test
    void theRememberedValueIsNotReplacedByLaterReads() {
        LogicalSlotReadiness.Result r = LogicalSlotReadiness.check(map("cdc", 700L), map("cdc", 900L), 710L,
                map("cdc", 720L));
        assertThat(r.ready()).as("700 <= 710 <= 720").containsExactly("cdc");
    }

    @Test
    void feedbackNewerThanTheCopyIsNotReady() {
        LogicalSlotReadiness.Result r = LogicalSlotReadiness.check(map("cdc", 700L), Map.of(), 730L, map("cdc", 720L));
        assertThat(r.ready()).isEmpty();
        assertThat(r.queue()).containsEntry("cdc", 700L);
    }

    @Test
    void aSlotThePrimaryDoesNotHaveStaysPendingAndADroppedCopyIsForgotten() {
        LogicalSlotReadiness.Result r = LogicalSlotReadiness.check(map("gone_on_primary", null, "dropped_here", null),
                Map.of(), 730L, map("gone_on_primary", 720L));
        assertThat(r.queue()).containsOnlyKeys("gone_on_primary");
        assertThat(r.ready()).isEmpty();
        assertThat(LogicalSlotReadiness.unread(r.queue())).containsExactly("gone_on_primary");
    }

    @Test
    void theSlotOnThePrimaryFollowsTheReplicatefromChainUpToTheLeader() {
        List<Member> members = new ArrayList<>();
        members.add(member("pg0", null, "running"));
        members.add(member("pg1", null, "running"));
        members.add(member("pg2", "pg1", "running"));
        members.add(member("pg3", "pg2", "running"));
        members.add(member("pg4", "pg5", "running"));
        members.add(member("pg5", null, "stopped"));
        members.add(member("pg6", "pg0", "running"));
        ClusterView v = new ClusterView("42", new ClusterConfig(1, Map.of()), new Leader("pg0", 1, null, null),
                ClusterStatus.EMPTY, members, null, null, null, null);
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg1", null)).isEqualTo("pg1");
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg2", "pg1")).isEqualTo("pg1");
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg3", "pg2")).as("two hops").isEqualTo("pg1");
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg4", "pg5")).as("upstream not running").isEqualTo("pg4");
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg6", "pg0")).as("upstream is the leader").isEqualTo("pg6");
        assertThat(LogicalSlotReadiness.slotOnPrimary(v, "pg-7", "nobody")).as("sanitized").isEqualTo("pg_7");
    }

    private static Member member(String name, String replicatefrom, String state) {
        Map<String, Object> tags = replicatefrom == null ? Map.of() : Map.of("replicatefrom", replicatefrom);
        return new Member(name, 1, null, new MemberData("postgres://h/postgres", "http://h/patroni", null, state,
                "replica", "4.0.0", 0L, null, null, null, 1, tags, null, null, null, null, false, null));
    }
}
