package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * regent-it's surefire forks each get their own slice of the module's ports only if surefire substitutes its fork
 * number into {@code regent.test.fork}. It once arrived empty (Maven evaluated the bare expression first), every
 * fork took slice 1, and daemons restarted after kill -9 found their ports taken by another fork's cluster.
 */
class ForkSliceTest {
    @Test
    void thisForkKnowsItsNumber() {
        int forks = Integer.getInteger("regent.test.forks", 1);
        String fork = System.getProperty("regent.test.fork");
        assertThat(fork).as("regent.test.fork, set by the pom").matches("fork[1-9][0-9]*");
        // surefire's pool of fork numbers is shared with the other modules of the build (-T 2): up to forks + 1
        assertThat(Integer.parseInt(fork.substring(4))).isBetween(1, forks + 1);
    }
}
