package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.FreePorts;
import org.junit.jupiter.api.Test;

/**
 * regent-it's surefire forks each need their own slice of the module's ports: when every fork took slice 1 (the fork
 * number once arrived empty), daemons restarted after kill -9 found their ports taken by another fork's cluster, and
 * surefire's fork numbers do not map one to one on slices when modules build side by side. Each fork now claims a
 * slice with a file lock.
 */
class ForkSliceTest {
    @Test
    void thisForkHoldsASliceOfItsOwn() {
        String fork = System.getProperty("regent.test.fork");
        assertThat(fork).as("regent.test.fork, set by the pom").matches("fork[1-9][0-9]*");
        int port = FreePorts.one();
        assertThat(FreePorts.sliceIsExclusive()).as("this fork locked a slice no other test JVM holds").isTrue();
        String[] part = System.getProperty("regent.test.ports").split("-");
        assertThat(port).as("within the module's part").isBetween(Integer.parseInt(part[0].trim()),
                Integer.parseInt(part[1].trim()) - 1);
    }
}
