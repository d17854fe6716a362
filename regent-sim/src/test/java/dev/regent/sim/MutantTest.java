package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The invariants have teeth: each planted bug is caught within 10,000 seeds. A seed counts only when the mutant's run
 * violates the invariant that bug breaks and the same seed passes with the real decider (so the finding is the
 * mutant's, not some other fault of the shell). The search stops at the first such seed.
 */
class MutantTest {
    private static final int MAX_SEEDS = 10_000;

    private static long firstCatch(Mutant mutant, String... invariants) {
        return firstCatchIn("mixed", mutant, invariants);
    }

    private static long firstCatchIn(String sync, Mutant mutant, String... invariants) {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            SimCluster.Result r = Simulation.run(seed, 3, mutant, sync);
            if (!r.failed()) continue;
            boolean expected = false;
            for (String inv : invariants) expected |= r.violation().startsWith(inv);
            if (expected && !Simulation.run(seed, 3, Mutant.NONE, sync).failed()) return seed;
        }
        return -1;
    }

    @Test
    void publishingUnlistedStandbysInSyncIsCaughtByInvariantTwo() {
        assertThat(firstCatchIn("on", Mutant.SYNC_PUBLISH_UNLISTED, "invariant 2")).isPositive();
    }

    @Test
    void noDemoteOnLockLossIsCaughtByInvariantOne() {
        assertThat(firstCatch(Mutant.NO_DEMOTE_ON_LOCK_LOSS, "invariant 1")).isPositive();
    }

    @Test
    void promoteLaggingIsCaughtByInvariantThree() {
        assertThat(firstCatch(Mutant.PROMOTE_LAGGING, "invariant 3")).isPositive();
    }

    @Test
    void renewAfterExpiryIsCaughtByInvariantOne() {
        assertThat(firstCatch(Mutant.RENEW_AFTER_EXPIRY, "invariant 1")).isPositive();
    }

    @Test
    void mutantsAreNamedAsOnTheCommandLine() {
        assertThat(Mutant.byName("promote-lagging")).isEqualTo(Mutant.PROMOTE_LAGGING);
        assertThat(Mutant.byName("no-demote-on-lock-loss")).isEqualTo(Mutant.NO_DEMOTE_ON_LOCK_LOSS);
        assertThat(Mutant.byName("renew-after-expiry")).isEqualTo(Mutant.RENEW_AFTER_EXPIRY);
        assertThat(Mutant.byName("sync-publish-unlisted")).isEqualTo(Mutant.SYNC_PUBLISH_UNLISTED);
        assertThat(Mutant.byName("keep-stalled-initialize")).isEqualTo(Mutant.KEEP_STALLED_INITIALIZE);
    }
}
