package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulator's failsafe exchange with both bodies in one cluster: half the nodes post as Patroni 3.0.2 does,
 * without {@code slots}, the others Regent's body with them; the receivers read each with the REST API's parser.
 * Over the failsafe-mode seeds, slot-less requests are accepted, keep their primary running (every member accepted a
 * round), and no invariant breaks.
 */
class FailsafeBodyTest {
    @Test
    void slotLessFailsafePostsAreAcceptedAndBreakNothing() {
        Simulation.quietLogging();
        int withSlots = 0;
        int withoutSlots = 0;
        int roundsKeptWithoutSlots = 0;
        int runs = 0;
        List<String> failures = new ArrayList<>();
        for (long seed = 1; runs < 24; seed++) {
            if (!SimCluster.failsafeModeOf(seed)) continue;
            runs++;
            SimCluster c = new SimCluster(seed, 3, Mutant.NONE, "mixed", ShellDaemon::new);
            SimCluster.Result r = c.run();
            if (r.failed()) failures.add(r.report(60));
            withSlots += c.failsafeAccepted[0];
            withoutSlots += c.failsafeAccepted[1];
            roundsKeptWithoutSlots += c.failsafeRoundsAllAcceptedWithoutSlots;
        }
        System.out.printf("%d failsafe seeds: %d requests accepted with slots, %d without; %d slot-less rounds all"
                + " accepted%n", runs, withSlots, withoutSlots, roundsKeptWithoutSlots);
        assertThat(failures).as("violations").isEmpty();
        assertThat(withoutSlots).as("POST /failsafe without slots accepted").isPositive();
        assertThat(withSlots).as("POST /failsafe with slots accepted").isPositive();
        assertThat(roundsKeptWithoutSlots).as("rounds without slots that every member accepted").isPositive();
    }

    @Test
    void halfTheNodesOfARunPostAsPatroni302() {
        SimCluster c = new SimCluster(4, 3, Mutant.NONE, "mixed", ShellDaemon::new);
        assertThat(c.postsFailsafeWithoutSlots(c.nodes[0])).isNotEqualTo(c.postsFailsafeWithoutSlots(c.nodes[1]));
        assertThat(c.postsFailsafeWithoutSlots(c.nodes[0])).isEqualTo(c.postsFailsafeWithoutSlots(c.nodes[2]));
    }
}
