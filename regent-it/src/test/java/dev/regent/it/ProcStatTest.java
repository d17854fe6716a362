package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ProcStat}: /proc stat lines whose command name holds spaces and parentheses, and process trees. */
class ProcStatTest {
    private static String line(int pid, String comm, int ppid, long utime, long stime, long cutime, long cstime,
                               long start) {
        return pid + " (" + comm + ") S " + ppid + " 100 100 0 -1 4194560 2000 0 0 0 " + utime + " " + stime + " "
                + cutime + " " + cstime + " 20 0 30 0 " + start + " 3000000000 21000 18446744073709551615 1 1 0 0 0 0"
                + " 0 0 0 0 0 0 17 1 0 0 0 0 0";
    }

    @Test
    void readsTheFieldsAfterTheLastParenthesisOfAThreadNameWithSpaces() {
        ProcStat s = ProcStat.parse(line(4242, "C1 CompilerThre", 17, 310, 45, 7, 3, 987654));
        assertThat(s.pid()).isEqualTo(4242);
        assertThat(s.comm()).isEqualTo("C1 CompilerThre");
        assertThat(s.ppid()).isEqualTo(17);
        assertThat(s.ticks()).isEqualTo(355);
        assertThat(s.ticksWithReapedChildren()).isEqualTo(365);
        assertThat(s.startTime()).isEqualTo(987654);
    }

    @Test
    void aCommandNameMayHoldParenthesesAndDigits() {
        ProcStat s = ProcStat.parse(line(9, "a) 1 2 (b", 1, 5, 6, 0, 0, 77));
        assertThat(s.comm()).isEqualTo("a) 1 2 (b");
        assertThat(s.ppid()).isEqualTo(1);
        assertThat(s.ticks()).isEqualTo(11);
    }

    @Test
    void refusesWhatIsNotAStatLineNamingIt() {
        assertThatThrownBy(() -> ProcStat.parse("VmRSS: 1234 kB")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("VmRSS");
        assertThatThrownBy(() -> ProcStat.parse("1 (x) S 0 1")).hasMessageContaining("too few fields");
    }

    @Test
    void aTreeLeavesOutExcludedSubtreesAndSumsReapedChildren() {
        List<ProcStat> table = List.of(
                ProcStat.parse(line(10, "java", 1, 100, 10, 5, 1, 1)),
                ProcStat.parse(line(11, "pg_ctl", 10, 2, 1, 0, 0, 2)),
                ProcStat.parse(line(20, "postgres", 10, 50, 5, 30, 3, 3)),
                ProcStat.parse(line(21, "postgres: walw", 20, 4, 4, 0, 0, 4)),
                ProcStat.parse(line(30, "other", 1, 999, 999, 0, 0, 5)));
        assertThat(ProcStat.tree(10, table, Set.of(20))).containsExactlyInAnyOrder(10, 11);
        assertThat(ProcStat.treeTicks(10, table, Set.of(20))).isEqualTo(116 + 3);
        assertThat(ProcStat.treeTicks(20, table, Set.of())).isEqualTo(88 + 8);
        assertThat(ProcStat.tree(20, table, Set.of(20))).as("the root itself is never excluded").contains(20, 21);
    }

    @Test
    void readsThisJvmFromProc() {
        long me = ProcessHandle.current().pid();
        ProcStat s = ProcStat.of(me).orElseThrow();
        assertThat(s.pid()).isEqualTo(me);
        assertThat(ProcStat.threads(me)).hasSize(ProcStat.threadCount(me)).isNotEmpty();
        assertThat(ProcStat.rssKb(me)).isPositive();
        assertThat(ProcStat.of(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void threadTicksCountAThreadBornInTheWindowWhole() {
        Map<Integer, ProcStat> before = Map.of(1, ProcStat.parse(line(1, "main", 0, 10, 0, 0, 0, 5)),
                2, ProcStat.parse(line(2, "old pool", 1, 7, 0, 0, 0, 6)));
        Map<Integer, ProcStat> after = Map.of(1, ProcStat.parse(line(1, "main", 0, 14, 1, 0, 0, 5)),
                2, ProcStat.parse(line(2, "new pool", 1, 3, 0, 0, 0, 90)));
        Map<String, Long> t = IdleWindow.threadTicks(before, after);
        assertThat(t).containsEntry("main (1)", 5L).containsEntry("new pool (2)", 3L).hasSize(2);
    }

    @Test
    void medianAndRatios() {
        assertThat(IdleWindow.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(IdleWindow.median(List.of(4, 1))).isEqualTo(2.5);
        assertThat(FootprintBench.ratio(85.5, 60.8)).isEqualTo("1.41x");
        assertThat(FootprintBench.ratio(0.3, 0)).startsWith("inf");
        assertThat(FootprintBench.ratio(Double.NaN, 0.45)).isEqualTo("-");
    }
}
