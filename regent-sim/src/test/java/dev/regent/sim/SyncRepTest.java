package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PostgreSQL's synchronous replication as the simulator models it: when a commit is acknowledged, sync_state. */
class SyncRepTest {
    private final Node n0 = new Node(0);
    private final Node n1 = new Node(1);
    private final Node n2 = new Node(2);
    private long lsn;

    /** n0 primary, n1 and n2 streaming; n2 stalled while the commit is written (it lacks it). */
    private void commitThatOnlyN1Holds() throws Exception {
        n0.pg.initdb("7000", 1);
        for (Node n : List.of(n1, n2)) {
            n.pg.cloneFrom(n0.pg);
            n.pg.start(false, "n0");
            n.pg.streamFrom(n0.pg, false);
        }
        lsn = n0.pg.write(1000);
        n1.pg.streamFrom(n0.pg, false);
        n2.pg.streamFrom(n0.pg, true);
    }

    private boolean acked(String names, Node... connected) {
        return new SyncRep(names, List.of(connected)).acknowledged(n0.pg.wal().last().uid(), lsn);
    }

    @Test
    void emptyAcknowledgesAtOnce() throws Exception {
        commitThatOnlyN1Holds();
        assertThat(acked("")).isTrue();
        assertThat(new SyncRep("", List.of(n1)).syncState(n1)).isEqualTo("async");
    }

    @Test
    void priorityFormWaitsForTheFirstConnectedListedStandbys() throws Exception {
        commitThatOnlyN1Holds();
        assertThat(acked("n1", n1, n2)).isTrue();
        assertThat(acked("n2", n1, n2)).as("n2 lacks it").isFalse();
        assertThat(acked("n2", n1)).as("n2 not connected: waits").isFalse();
        assertThat(acked("2 (n1,n2)", n1, n2)).isFalse();
        assertThat(acked("FIRST 1 (n2,n1)", n1)).as("n2 gone: n1 is the synchronous one").isTrue();
        assertThat(acked("*", n2, n1)).as("* : the lower slot first, n1").isTrue();
        assertThat(acked("*")).as("strict mode without standby: waits").isFalse();
        SyncRep rep = new SyncRep("FIRST 1 (n2,n1)", List.of(n1, n2));
        assertThat(rep.syncState(n2)).isEqualTo("sync");
        assertThat(rep.syncState(n1)).isEqualTo("potential");
        assertThat(new SyncRep("n1", List.of(n1, n2)).syncState(n2)).isEqualTo("async");
    }

    @Test
    void quorumFormWaitsForAnyKListed() throws Exception {
        commitThatOnlyN1Holds();
        assertThat(acked("ANY 1 (n1,n2)", n1, n2)).isTrue();
        assertThat(acked("ANY 2 (n1,n2)", n1, n2)).isFalse();
        assertThat(acked("ANY 1 (n2)", n1, n2)).isFalse();
        assertThat(new SyncRep("ANY 1 (n1,n2)", List.of(n1, n2)).syncState(n2)).isEqualTo("quorum");
    }
}
