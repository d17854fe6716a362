package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seeds that found violations with the fast failover profile beyond the suite's {@code regent.sim.fastSeeds},
 * replayed exactly: each must now run without a violation, and still go through the story that failed. 1254 and 1736
 * (liveness): a promotion that finished just after its node was cut off from the DCS left a timeline that the next
 * leader numbered alike, at the same switch point; pg_rewind found "no rewind required" and the replica never
 * streamed. Now the node that promoted knows the timeline is its own and, once {@code /history} names another
 * member's promotion to that number, has it rewound and, as pg_rewind cannot help, cloned again. 2729 (quorum mode,
 * durability): a frozen old primary resumed in pause took the lock although the cluster had promoted past its
 * timeline, and the commits acknowledged on the newer timeline were rewound away; a paused primary on an older
 * timeline no longer takes the lock.
 */
class FastProfileRegressionSeedsTest {
    @ParameterizedTest(name = "seed {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "1254 | pg_rewind from postgres://n2:5432/postgres: no rewind required",
            "1736 | pg_rewind from postgres://n1:5432/postgres: no rewind required",
            "2729 | PAUSE: continue to run as primary without lock"})
    void runsWithoutAViolation(long seed, String story) {
        SimCluster.Result r = Simulation.run(seed, 3, Mutant.NONE, "mixed", "fast");
        assertThat(r.failed()).as("%s", r.failed() ? r.report(80) : "").isFalse();
        assertThat(r.trace().lines()).as("the seed still goes through its story")
                .anyMatch(l -> l.text().contains(story));
    }
}
