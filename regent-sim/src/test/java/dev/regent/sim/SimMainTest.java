package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return SimMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void badArgumentsExitTwoWithOneLine() {
        for (String[] args : new String[][] {{}, {"--seeds"}, {"--seeds", "x"}, {"--seeds", "0"},
                {"--seeds", "1", "--nodes", "4"}, {"--seeds", "1", "--mutant", "nope"}, {"--bogus"},
                {"--seeds", "1", "--sync", "maybe"}, {"--seeds", "1", "--profile", "faster"}}) {
            out.reset();
            err.reset();
            assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
            String e = err.toString(StandardCharsets.UTF_8);
            assertThat(e).startsWith("regent-sim: ").endsWith("\n");
            assertThat(e.strip()).doesNotContain("\n");
            assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        }
        run("--seeds", "1", "--nodes", "4");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--nodes must be 3 or 5, got '4'");
        run("--seeds", "1", "--profile", "faster");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--profile must be standard or fast, got 'faster'");
    }

    @Test
    void aLostInitializeAnswerIsAnOptionAndPartOfTheReplayCommand() throws Exception {
        assertThat(SimMain.parse(new String[] {"--seeds", "1"}).loseInitializeAnswer()).isFalse();
        assertThat(SimMain.parse(new String[] {"--seeds", "1", "--lose-initialize-answer"}).loseInitializeAnswer())
                .isTrue();
        int status = run("--seeds", "1", "--profile", "fast", "--lose-initialize-answer", "--mutant",
                "keep-stalled-initialize");
        assertThat(status).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("invariant 4 (liveness)")
                .contains("replay: bin/regent-sim --seeds 1 --nodes 3 --seed 1 --mutant keep-stalled-initialize"
                        + " --profile fast --lose-initialize-answer");
    }

    @Test
    void theFastProfileIsNamedInTheSummary() {
        int status = run("--seeds", "2", "--seed", "1", "--profile", "fast");
        String last = out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElse("");
        assertThat(last).matches("2 seeds, 0 violations \\(\\d+ seeds/s; \\d+ windows exempt from invariant 1:"
                + " a frozen daemon or a paused cluster; synchronous_mode mixed; profile fast\\)");
        assertThat(status).isZero();
    }

    @Test
    void aRunPrintsOneSummaryLineAndItsExitStatusSaysWhetherAnInvariantWasViolated() {
        int status = run("--seeds", "3", "--seed", "1");
        String text = out.toString(StandardCharsets.UTF_8);
        String last = text.lines().reduce((a, b) -> b).orElse("");
        assertThat(last).matches("3 seeds, \\d+ violations \\(\\d+ seeds/s; \\d+ windows exempt from invariant 1:"
                + " a frozen daemon or a paused cluster; synchronous_mode mixed\\)");
        boolean violated = !last.startsWith("3 seeds, 0 violations");
        assertThat(status).isEqualTo(violated ? 1 : 0);
    }

    @Test
    void aMutantRunStopsAtItsFirstViolationAndExitsOne() {
        int status = run("--seeds", "10000", "--mutant", "no-demote-on-lock-loss");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isEqualTo(1);
        assertThat(text).contains("replay: bin/regent-sim --seeds 1 --nodes 3 --seed ");
        assertThat(text.lines().reduce((a, b) -> b).orElse("")).matches("\\d+ seeds, 1 violations .*");
    }
}
