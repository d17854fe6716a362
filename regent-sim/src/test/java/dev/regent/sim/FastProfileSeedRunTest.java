package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regent's fast failover profile (ttl 6, loop_wait 1, retry_timeout 2 with {@code regent.fast_failover}, see
 * {@link SimTimings#FAST}) under {@code regent.sim.fastSeeds} seeded fault schedules with every invariant, as
 * {@link SeedRunTest} runs the standard profile: every tenth seed with 5 nodes, synchronous_mode off, on and quorum
 * by turns, failsafe mode on for every other group of three seeds. Its invariant 1 margin is loop_wait +
 * retry_timeout = 3 s, and a second writer while the old primary is within it is a split brain.
 */
class FastProfileSeedRunTest {
    @Test
    void noSeedViolatesAnInvariantWithTheFastProfile() {
        long seeds = Long.getLong("regent.sim.fastSeeds", 600);
        List<String> reports = new ArrayList<>();
        long violations = 0;
        long started = System.nanoTime();
        for (long seed = 1; seed <= seeds; seed++) {
            SimCluster.Result r = Simulation.run(seed, seed % 10 == 0 ? 5 : 3, Mutant.NONE, "mixed", "fast");
            if (r.failed()) {
                violations++;
                if (reports.size() < 3) reports.add(r.report(120));
                else if (reports.size() < 40) reports.add(r.violation() + "  (" + r.replayCommand() + ")");
            }
        }
        double secs = (System.nanoTime() - started) / 1e9;
        System.out.printf("fast profile: %d seeds, %d violations (%.0f seeds/s)%n", seeds, violations, seeds / secs);
        assertThat(violations).as("%d seeds, %d violations:%n%s", seeds, violations, String.join("\n", reports))
                .isZero();
    }

    @Test
    void aRunWithTheFastProfileUsesItsTimings() {
        SimCluster c = new SimCluster(7, 3, Mutant.NONE, "mixed", SimTimings.FAST, ShellDaemon::new);
        assertThat(c.faults).allMatch(f -> f.at() >= 30_000 && f.at() + f.duration() <= 120_000);
        SimCluster.Result r = c.run();
        assertThat(r.replayCommand()).endsWith(" --profile fast");
        assertThat(r.simMillis()).isLessThanOrEqualTo(120_000 + SimCluster.LIVENESS_TTLS * 6_000L);
        // the real shell runs the profile: its last cycle's settings
        assertThat(c.nodes[0].lastInput.settings().ttlSeconds()).isEqualTo(6);
        assertThat(c.nodes[0].lastInput.settings().loopWaitSeconds()).isEqualTo(1);
        assertThat(c.nodes[0].lastInput.settings().retryTimeoutSeconds()).isEqualTo(2);
        assertThat(SimSettings.bootstrapDcs("off", SimTimings.FAST)).containsEntry("ttl", 6)
                .containsEntry("loop_wait", 1).containsEntry("retry_timeout", 2);
    }

    /** The fast profile's invariant 1 has teeth: a decider that keeps writing after losing its lock is caught. */
    @Test
    void noDemoteOnLockLossIsCaughtWithTheFastProfile() {
        long caught = -1;
        for (long seed = 1; seed <= 2_000 && caught < 0; seed++) {
            SimCluster.Result r = Simulation.run(seed, 3, Mutant.NO_DEMOTE_ON_LOCK_LOSS, "mixed", "fast");
            if (r.failed() && r.violation().startsWith("invariant 1")
                    && !Simulation.run(seed, 3, Mutant.NONE, "mixed", "fast").failed()) {
                caught = seed;
            }
        }
        assertThat(caught).isPositive();
    }
}
