package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import dev.regent.core.model.TimelineHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which history files a member writes into pg_wal before pg_ctl promote, so its new timeline gets an unused number. */
class TimelineReservationTest {
    private static final TimelineHistory.Entry ONE = new TimelineHistory.Entry(1, 100, "no recovery target specified",
            null, null);
    private static final TimelineHistory.Entry TWO = new TimelineHistory.Entry(2, 500, "no recovery target specified",
            null, "pg2");

    private static Member member(String name, Integer timeline) {
        MemberData d = new MemberData("postgres://" + name + ":5432/postgres", "http://" + name + ":8008/patroni",
                null, "running", "replica", "4.0.0", 0L, null, null, null, timeline, null, null, null, null, null,
                false, null);
        return new Member(name, 1, null, d);
    }

    private static ClusterView view(List<TimelineHistory.Entry> history, String leader, Map<String, Integer> timelines) {
        List<Member> members = new ArrayList<>();
        for (String n : List.of("pg0", "pg1", "pg2")) members.add(member(n, timelines.get(n)));
        Leader l = leader == null ? null : new Leader(leader, 3, "lease",
                members.stream().filter(m -> m.name().equals(leader)).findFirst().orElseThrow());
        return new ClusterView("sysid", null, l, null, members, null, null, new TimelineHistory(1, history), null);
    }

    /** pg2 promoted 2 to 3 and was lost before pg1 (on 2) received 3's history file: pg1 writes it, then promotes. */
    @Test
    void theTimelinesOfHistoryNewerThanTheLocalOneAreWrittenWithTheLinesBeforeThem() {
        ClusterView c = view(List.of(ONE, TWO), null, Map.of("pg1", 2));
        assertThat(TimelineReservation.historyFiles(c, 2)).containsExactly(Map.entry(3, List.of(ONE, TWO)));
        assertThat(TimelineReservation.historyFiles(c, 1))
                .containsExactly(Map.entry(2, List.of(ONE)), Map.entry(3, List.of(ONE, TWO)));
    }

    @Test
    void publishedTimelinesNewerThanHistoryCountToo() {
        ClusterView c = view(List.of(ONE), "pg2", Map.of("pg2", 3, "pg0", 4, "pg1", 2));
        assertThat(TimelineReservation.historyFiles(c, 2).keySet()).containsExactly(3, 4);
        assertThat(TimelineReservation.historyFiles(c, 2).get(4)).as("lines of /history before 4").containsExactly(ONE);
    }

    @Test
    void nothingWhenTheLocalTimelineIsTheNewestKnownOrUnknown() {
        ClusterView c = view(List.of(ONE, TWO), "pg2", Map.of("pg2", 3));
        assertThat(TimelineReservation.historyFiles(c, 3)).isEmpty();
        assertThat(TimelineReservation.historyFiles(c, 4)).isEmpty();
        assertThat(TimelineReservation.historyFiles(c, 0)).as("local timeline unknown").isEmpty();
        assertThat(TimelineReservation.historyFiles(null, 2)).as("no DCS view").isEmpty();
        assertThat(TimelineReservation.historyFiles(view(List.of(), null, Map.of()), 1)).isEmpty();
    }
}
