package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    @Test
    void eventsRunByTimeThenBySchedulingOrder() {
        Scheduler s = new Scheduler();
        List<String> ran = new ArrayList<>();
        s.after(20, "c", () -> ran.add("c@" + s.now()));
        s.after(10, "a", () -> ran.add("a@" + s.now()));
        s.after(10, "b", () -> ran.add("b@" + s.now()));
        s.runUntil(100, () -> { });
        assertThat(ran).containsExactly("a@10", "b@10", "c@20");
        assertThat(s.now()).isEqualTo(100);
        assertThat(s.steps()).isEqualTo(3);
    }

    @Test
    void cancelledEventsDoNothingAndLaterEventsWait() {
        Scheduler s = new Scheduler();
        List<String> ran = new ArrayList<>();
        Scheduler.Handle h = s.after(5, "x", () -> ran.add("x"));
        s.after(50, "late", () -> ran.add("late"));
        h.cancel();
        s.runUntil(40, () -> ran.add("check@" + s.now()));
        assertThat(ran).containsExactly("check@5");
        assertThat(s.now()).isEqualTo(40);
        s.runUntil(60, () -> { });
        assertThat(ran).endsWith("late");
    }

    @Test
    void eventsScheduledFromEventsAndInThePastRunNow() {
        Scheduler s = new Scheduler();
        List<Long> at = new ArrayList<>();
        s.after(10, "outer", () -> s.at(3, "past", () -> at.add(s.now())));
        s.runUntil(20, () -> { });
        assertThat(at).containsExactly(10L);
        assertThat(s.wallMillis()).isEqualTo(Scheduler.EPOCH_MILLIS + 20);
        assertThat(s.nanoTime()).isEqualTo(20_000_000L);
    }
}
