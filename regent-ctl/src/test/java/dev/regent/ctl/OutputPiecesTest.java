package dev.regent.ctl;

import dev.regent.daemon.view.PyJson;
import dev.regent.daemon.view.Table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutputPiecesTest {
    @Test
    void multiLineCellsGetARuleAfterEveryRow() {
        Table t = new Table(List.of("A", "B"), Set.of("A"));
        t.add(List.of(1, "x\ny")).add(List.of(22, "z"));
        assertThat(t.pretty()).isEqualTo(String.join("\n", "+----+---+", "|  A | B |", "+----+---+", "|  1 | x |",
                "|    | y |", "+----+---+", "| 22 | z |", "+----+---+"));
    }

    @Test
    void unifiedDiffHunksLikeDifflib() {
        String a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        String b = "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\n";
        assertThat(UnifiedDiff.diff(a, b)).containsExactly("--- ", "+++ ", "@@ -1,5 +1,5 @@", " a", "-b", "+B", " c",
                " d", " e", "@@ -7,4 +7,4 @@", " g", " h", " i", "-j", "+J");
        assertThat(UnifiedDiff.diff(a, a)).isEmpty();
    }

    @Test
    void prompterDefaultsRetriesAndAborts() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Prompter p = new Prompter(new ByteArrayInputStream("\nmaybe\nYES\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(p.prompt("Candidate", "now")).isEqualTo("now");
        assertThat(p.confirm("Sure?", false)).isTrue();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("Candidate [now]: Sure? [y/N]: Error: invalid"
                + " input\nSure? [y/N]: ");
        assertThatThrownBy(() -> p.confirm("Again?", true)).isInstanceOf(CtlException.class).hasMessage("Aborted!");
    }

    @Test
    void pythonStyleJson() {
        assertThat(PyJson.dumps(java.util.Map.of("a", List.of(1, "x\"y", true)))).isEqualTo(
                "{\"a\": [1, \"x\\\"y\", true]}");
    }
}
