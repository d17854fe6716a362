package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seeds that found acknowledged commits lost in {@code synchronous_mode: quorum}, replayed exactly: each must now
 * run without a violation. Causes (issue 10): a switchover to a voter that was not caught up (a stalled voter, or the
 * former leader of a failover published as a voter without streaming: 4544, 845, and in maintenance mode 4729), and a
 * frozen old primary that went on writing on its old timeline winning the quorum race by position (245, 1543, 5657).
 */
class QuorumRegressionSeedsTest {
    @ParameterizedTest(name = "seed {0}, {1} nodes")
    @CsvSource({"245, 3", "1543, 3", "4544, 3", "5657, 3", "4729, 3", "845, 5"})
    void runsWithoutAViolation(long seed, int nodes) {
        SimCluster.Result r = Simulation.run(seed, nodes, Mutant.NONE, "quorum");
        assertThat(r.failed()).as("%s", r.failed() ? r.report(80) : "").isFalse();
        assertThat(r.trace().lines()).as("the seed still promotes a replica")
                .anyMatch(l -> l.text().equals("promote finished"));
    }
}
