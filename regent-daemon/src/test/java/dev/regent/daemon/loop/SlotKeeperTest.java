package dev.regent.daemon.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.action.Action;
import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.ClusterStatus;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@code /status.retain_slots} across leaderships (member_slots_ttl). */
class SlotKeeperTest {
    private static final LocalPostgres PRIMARY = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1",
            false, null, 1, 100, null, null, null, null, null, 150004, null, Map.of());
    private static final LocalPostgres REPLICA = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1",
            true, null, 1, 100, 100L, 100L, "streaming", "pg1", "pg0", 150004, null, Map.of());

    private final AtomicLong now = new AtomicLong(1_000);
    private final SlotKeeper keeper = new SlotKeeper(new ActionExecutorTest.RecordingPostgres(), new MillisTicker(now),
            "pg0");

    private static ClusterView view(String leader, List<String> retain, String... members) {
        List<Member> ms = java.util.Arrays.stream(members).map(n -> new Member(n, 1, null, new MemberData(
                "postgres://h/postgres", "http://h/patroni", null, "running", "replica", "4.0.0", 0L, null, null,
                null, 1, Map.of(), null, null, null, null, false, null))).toList();
        return new ClusterView("42", new ClusterConfig(1, Map.of("member_slots_ttl", "20s", "slots",
                Map.of("perm", Map.of()))), new Leader(leader, 1, null, null), new ClusterStatus(0, Map.of(), retain),
                ms, null, null, null, null);
    }

    @Test
    void aSecondLeadershipTakesRetainSlotsOverFromStatusNotFromWhatItSawBefore() throws Exception {
        assertThat(keeper.retainSlots(view("pg0", List.of(), "pg0", "pg1", "perm"), PRIMARY))
                .as("a member named like a permanent slot is not retained").containsExactly("pg0", "pg1");
        // pg0 is a replica for a while (pg1 leads), then leads again long after; pg1 vanished just before
        now.addAndGet(60_000);
        keeper.sync(new Action.SyncReplicationSlots(Map.of()), view("pg1", List.of("pg0", "pg1"), "pg0", "pg1"),
                REPLICA);
        now.addAndGet(1_000);
        assertThat(keeper.retainSlots(view("pg0", List.of("pg0", "pg1"), "pg0"), PRIMARY))
                .as("pg1's slot kept member_slots_ttl from now").containsExactly("pg0", "pg1");
        now.addAndGet(20_001);
        assertThat(keeper.retainSlots(view("pg0", List.of("pg0", "pg1"), "pg0"), PRIMARY)).containsExactly("pg0");
    }
}
