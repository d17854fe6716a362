package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A seed is a complete description of a run: two runs of it tell the same story, event for event. */
class ReplayTest {
    @Test
    void twoRunsOfASeedGiveTheSameTraceAndOutcome() {
        for (long seed : new long[] {1, 7, 42, 1234}) {
            for (int nodes : new int[] {3, 5}) {
                SimCluster.Result a = Simulation.run(seed, nodes, Mutant.NONE);
                SimCluster.Result b = Simulation.run(seed, nodes, Mutant.NONE);
                assertThat(b.trace().lines()).as("seed %d, %d nodes", seed, nodes).isEqualTo(a.trace().lines());
                assertThat(b.violation()).isEqualTo(a.violation());
                assertThat(b.faults()).isEqualTo(a.faults());
                assertThat(b.steps()).isEqualTo(a.steps());
                assertThat(a.trace().lines()).hasSizeGreaterThan(10);
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        SimCluster.Result a = Simulation.run(3, 3, Mutant.NONE);
        SimCluster.Result b = Simulation.run(4, 3, Mutant.NONE);
        assertThat(a.faults()).isNotEqualTo(b.faults());
        assertThat(a.trace().lines()).isNotEqualTo(b.trace().lines());
    }

    @Test
    void theReportOfARunNamesItsSeedScheduleTraceAndReplayCommand() {
        SimCluster.Result r = Simulation.run(4, 5, Mutant.RENEW_AFTER_EXPIRY);
        String report = r.report(50);
        assertThat(report).startsWith("seed 4 (5 nodes, mutant renew-after-expiry, synchronous_mode on): ").contains("fault schedule:\n")
                .contains("trace:\n").endsWith("replay: bin/regent-sim --seeds 1 --nodes 5 --seed 4 --mutant"
                        + " renew-after-expiry\n");
        for (Fault f : r.faults()) assertThat(report).contains(f.toString());
    }
}
