package dev.regent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Invariant 2 on two recorded histories of a primary n0, a replica n1 and a failover to n1. */
class SyncDurabilityTest {
    private final SimPostgres n0 = new SimPostgres("n0");
    private final SimPostgres n1 = new SimPostgres("n1");

    private Commit commit(long at) {
        long lsn = n0.write(8192);
        return new Commit(at, "n0", n0.wal().last().uid(), lsn);
    }

    @Test
    void aFailoverToAReplicaHoldingEveryAcknowledgedCommitPasses() throws Exception {
        n0.initdb("7001", 1);
        n1.cloneFrom(n0);
        n1.start(false, "n0");
        Commit c1 = commit(1_000);
        n1.streamFrom(n0, false);  // synchronous: acknowledged only once on the standby
        Commit c2 = commit(2_000);
        n1.streamFrom(n0, false);
        n0.crash();
        n1.promote(2);
        Commit c3 = new Commit(4_000, "n1", n1.wal().last().uid(), n1.write(100));
        List<String> found = SyncDurability.check(List.of(c1, c2, c3),
                List.of(new SyncDurability.Promotion(3_000, "n1", n1.wal())));
        assertThat(found).isEmpty();
    }

    @Test
    void aFailoverThatLosesAnAcknowledgedCommitIsReported() throws Exception {
        n0.initdb("7002", 1);
        n1.cloneFrom(n0);
        n1.start(false, "n0");
        Commit c1 = commit(1_000);
        n1.streamFrom(n0, false);
        Commit lost = commit(2_000);  // acknowledged by the primary alone
        n0.crash();
        n1.promote(2);
        List<String> found = SyncDurability.check(List.of(c1, lost),
                List.of(new SyncDurability.Promotion(3_000, "n1", n1.wal())));
        assertThat(found).hasSize(1);
        assertThat(found.get(0)).startsWith("invariant 2 (sync durability): commit acknowledged by n0 at 2.000s")
                .contains("is not on n1, promoted at 3.000s");
    }
}
