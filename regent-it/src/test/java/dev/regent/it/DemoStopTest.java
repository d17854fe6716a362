package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link DemoStop#label}: which processes of a demo get a stop time of their own, read from their command lines. */
class DemoStopTest {
    private static final String DIR = "/tmp/regent-bench-demo-42";

    @Test
    void namesTheDemoEachDaemonByConfigAndEachPostmasterByDataDirectory() {
        assertThat(DemoStop.label(true, "java -cp x dev.regent.daemon.Main demo --dir " + DIR, DIR))
                .isEqualTo("1 demo JVM");
        assertThat(DemoStop.label(false, "/usr/bin/java -Xmx48m -cp a.jar dev.regent.daemon.Main " + DIR
                + "/node1.yml", DIR)).isEqualTo("2 daemon node1.yml");
        assertThat(DemoStop.label(false, "/usr/lib/postgresql/15/bin/postgres -D " + DIR + "/node2/data"
                + " --config-file=" + DIR + "/node2/data/postgresql.conf --port=32622", DIR))
                .isEqualTo("3 postmaster node2/data");
    }

    @Test
    void leavesOutAuxiliaryProcessesAndOtherDemos() {
        assertThat(DemoStop.label(false, "postgres: demo: checkpointer", DIR)).isNull();
        assertThat(DemoStop.label(false, "/usr/lib/postgresql/15/bin/postgres -D /tmp/other/node0/data", DIR))
                .isNull();
    }
}
