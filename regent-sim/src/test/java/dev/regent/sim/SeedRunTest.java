package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real shell and decider under {@code regent.sim.seeds} seeded fault schedules (10,000 by default; every tenth
 * seed with 5 nodes, the others with 3), in {@code synchronous_mode} off, on and quorum by turns (the seed modulo 3,
 * as {@code bin/regent-sim}'s default {@code --sync mixed}): no invariant may be violated. A failure lists the first
 * reports (seed, fault schedule, trace, replay command).
 */
class SeedRunTest {
    @Test
    void noSeedViolatesAnInvariant() {
        long seeds = Long.getLong("regent.sim.seeds", 10_000);
        List<String> reports = new ArrayList<>();
        long violations = 0;
        long started = System.nanoTime();
        for (long seed = 1; seed <= seeds; seed++) {
            SimCluster.Result r = Simulation.run(seed, seed % 10 == 0 ? 5 : 3, Mutant.NONE, "mixed");
            if (r.failed()) {
                violations++;
                if (reports.size() < 3) reports.add(r.report(120));
                else if (reports.size() < 40) reports.add(r.violation() + "  (" + r.replayCommand() + ")");
            }
        }
        double secs = (System.nanoTime() - started) / 1e9;
        System.out.printf("%d seeds, %d violations (%.0f seeds/s)%n", seeds, violations, seeds / secs);
        assertThat(violations).as("%d seeds, %d violations:%n%s", seeds, violations, String.join("\n", reports))
                .isZero();
    }
}
