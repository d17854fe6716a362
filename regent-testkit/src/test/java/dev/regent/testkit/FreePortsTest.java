package dev.regent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void aModulesPartIsTakenFromItsLowHighProperty() {
        assertThat(FreePorts.modulePart("26000-32000")).containsExactly(26000, 32000);
        assertThat(FreePorts.modulePart(" 20000 - 22000 ")).containsExactly(20000, 22000);
        // up to the ephemeral range, which starts at 32768
        assertThat(FreePorts.modulePart("32000-32768")).containsExactly(32000, 32768);
    }

    @Test
    void theForkNumberIsReadFromTheSubstitutedPropertyAndAnUnsubstitutedOneIsAnError() {
        assertThat(FreePorts.forkNumber(null)).isEqualTo(1);
        assertThat(FreePorts.forkNumber("fork3")).isEqualTo(3);
        assertThat(FreePorts.forkNumber("2")).isEqualTo(2);
        for (String unsubstituted : new String[] {"", "fork", "fork${surefire.forkNumber}"}) {
            assertThatThrownBy(() -> FreePorts.forkNumber(unsubstituted)).as(unsubstituted)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no fork number");
        }
    }

    @Test
    void withoutAPartTheWholeRangeIsUsed() {
        assertThat(FreePorts.modulePart(null)).containsExactly(20000, 32000);
        assertThat(FreePorts.modulePart("")).containsExactly(20000, 32000);
    }

    @Test
    void aPartOutsideTheRangeOrMalformedIsRefusedNamingTheProperty() {
        for (String bad : new String[] {"19000-21000", "30000-40000", "32000-32769", "22000-21000", "abc",
                "20000"}) {
            assertThatThrownBy(() -> FreePorts.modulePart(bad)).as(bad)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("regent.test.ports=" + bad);
        }
    }

    @Test
    void portsComeFromThisJvmsSliceOfItsModulesPart() {
        // surefire sets regent.test.ports from the pom (regent-testkit uses the parent's default part, 24000-25000)
        // or from -Dregent.test.ports on Maven's command line: this JVM's slice lies within that part
        int[] part = FreePorts.modulePart(System.getProperty("regent.test.ports"));
        int[] slice = FreePorts.slice();
        assertThat(slice[0]).as("slice start within the part").isBetween(part[0], part[1] - 1);
        assertThat(slice[1]).as("slice end within the part").isBetween(slice[0] + 1, part[1]);
        int port = FreePorts.one();
        assertThat(port).isBetween(slice[0], slice[1] - 1);
        assertThat(FreePorts.one()).isNotEqualTo(port);
    }
}
