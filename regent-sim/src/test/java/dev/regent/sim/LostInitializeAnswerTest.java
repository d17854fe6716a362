package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap race's winner gets an error for its create of {@code initialize} although the store applied it (a
 * Raft store that timed out after committing): it believes it lost, and every member sees a placeholder with no leader
 * and nobody bootstrapping. The run goes on with the seed's whole fault schedule and every invariant.
 */
class LostInitializeAnswerTest {
    private static SimCluster.Result run(long seed, Mutant mutant) {
        return Simulation.run(seed, 3, mutant, "mixed", "fast", true);
    }

    @Test
    void theStalledPlaceholderIsRemovedAndTheClusterBootstraps() {
        List<String> reports = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            SimCluster.Result r = run(seed, Mutant.NONE);
            if (r.failed() && reports.size() < 2) reports.add(r.report(80));
            boolean removed = r.trace().lines().stream()
                    .anyMatch(l -> l.text().startsWith("removing initialize key: no leader and no member"));
            if (!removed && reports.size() < 2) reports.add("seed " + seed + ": the placeholder was never removed");
        }
        assertThat(reports).as(String.join("\n", reports)).isEmpty();
    }

    /** Patroni's behaviour (the placeholder stays until an operator deletes it) fails liveness: the test has teeth. */
    @Test
    void keepingTheStalledPlaceholderNeverBootstraps() {
        SimCluster.Result r = run(1, Mutant.KEEP_STALLED_INITIALIZE);
        assertThat(r.violation()).startsWith("invariant 4 (liveness)").contains("no primary");
        assertThat(r.replayCommand()).isEqualTo("bin/regent-sim --seeds 1 --nodes 3 --seed 1"
                + " --mutant keep-stalled-initialize --profile fast --lose-initialize-answer");
    }
}
