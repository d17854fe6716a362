package dev.regent.daemon.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ha.ActionOutcome;
import dev.regent.core.ha.Decision;
import dev.regent.core.ha.HaInput;
import dev.regent.core.ha.HaSettings;
import dev.regent.core.ha.LocalPostgres;
import dev.regent.core.ha.NodeMemory;
import dev.regent.core.ha.action.Action;
import dev.regent.core.ledger.LedgerEntry;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Leader;
import dev.regent.daemon.view.DecisionJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's memory and file: what survives a restart, the size bound, counts, and a file that cannot be used. */
class DecisionBookTest {
    @TempDir
    Path dir;

    private static final LocalPostgres REPLICA = new LocalPostgres(LocalPostgres.ProcessState.RUNNING, false, "1",
            true, null, 1, 5000, 5000L, 5000L, "streaming", "node0", null, 150004, null, Map.of());

    private static HaInput input(String leader, long wall) {
        ClusterView c = new ClusterView("1", null, leader == null ? null : new Leader(leader, 1, "s", null), null,
                List.of(), null, null, null, null);
        return new HaInput(c, REPLICA, new HaSettings("node1", 30, 10, 10, Map.of(), false, false, false, false, null),
                NodeMemory.INITIAL, Map.of(), null, List.of(), 0, wall);
    }

    /** node0 leads; then its lock is gone and node1 takes it: one recorded decision per call. */
    private static void failover(DecisionBook b, long wall) {
        b.observe(input("node0", wall), new Decision(List.of(), "no action", NodeMemory.INITIAL), null, null);
        b.observe(input(null, wall + 1000), new Decision(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                "promoted self to leader by acquiring session lock", NodeMemory.INITIAL), null, null);
    }

    private static List<String> lines(List<LedgerEntry> entries) {
        return entries.stream().map(DecisionJson::line).toList();
    }

    @Test
    void entriesSurviveARestartAndCyclesContinue() throws Exception {
        DecisionBook b = new DecisionBook(dir, "node1", 10);
        failover(b, 1_000_000);
        assertThat(b.entries()).hasSize(1);
        LedgerEntry won = b.entries().get(0);
        assertThat(won.kind()).isEqualTo("leader_race_won");
        assertThat(won.cycle()).isEqualTo(2);
        assertThat(won.summary()).startsWith("node1 won the leader race and promoted itself: node0's leader lock was"
                + " gone (last seen held at 1970-01-01T00:16:40Z, ttl 30 s)");
        assertThat(b.counts()).containsEntry("leader_race_won", 1L).containsEntry("demote", 0L);
        assertThat(b.path()).isEqualTo(dir.resolve("node1.decisions.jsonl"));

        DecisionBook again = new DecisionBook(dir, "node1", 10);
        // numbers in the inputs come back as JSON reads them (Integer where it fits): compare what is written
        assertThat(lines(again.entries())).containsExactly(DecisionJson.line(won));
        assertThat(again.counts()).as("counts are this process's").containsEntry("leader_race_won", 0L);
        failover(again, 2_000_000);
        assertThat(again.entries()).extracting(LedgerEntry::cycle).containsExactly(2L, 4L);
    }

    @Test
    void theFileHoldsAtMostTwiceKeepAndMemoryKeep() throws Exception {
        DecisionBook b = new DecisionBook(dir, "node1", 3);
        for (int i = 0; i < 8; i++) failover(b, 1_000_000L + i * 10_000);
        assertThat(b.entries()).hasSize(3);
        assertThat(b.entries().get(2).timeMillis()).isEqualTo(1_000_000L + 7 * 10_000 + 1000);
        long lines = Files.readAllLines(b.path()).size();
        assertThat(lines).isBetween(3L, 6L);
        assertThat(lines(new DecisionBook(dir, "node1", 3).entries())).isEqualTo(lines(b.entries()));
    }

    @Test
    void aBrokenLineIsSkippedAndMembersSharingADirectoryKeepTheirOwnFiles() throws Exception {
        DecisionBook b = new DecisionBook(dir, "node1", 10);
        failover(b, 1_000_000);
        Files.writeString(b.path(), "{\"member\": \"node1\", \"ki\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        DecisionBook other = new DecisionBook(dir, "node/2", 10);
        assertThat(other.path().getFileName().toString()).isEqualTo("node_2.decisions.jsonl");
        assertThat(other.entries()).isEmpty();
        assertThat(new DecisionBook(dir, "node1", 10).entries()).hasSize(1);
    }

    @Test
    void aFileThatCannotBeWrittenLeavesTheLedgerInMemory() throws Exception {
        Path notADir = dir.resolve("plain-file");
        Files.writeString(notADir, "x");
        DecisionBook b = new DecisionBook(notADir, "node1", 10);
        failover(b, 1_000_000);
        assertThat(b.entries()).hasSize(1);
    }

    @Test
    void aRefusedLockIsALostRaceWithItsOutcome() {
        DecisionBook b = new DecisionBook(null, "node1", 10);
        b.observe(input(null, 5000), new Decision(List.of(new Action.AcquireLeaderLock(), new Action.Promote()),
                "promoted self to leader by acquiring session lock", NodeMemory.INITIAL),
                new Action.AcquireLeaderLock(), ActionOutcome.refused("the leader key exists"));
        assertThat(b.entries().get(0).kind()).isEqualTo("leader_race_lost");
        assertThat(b.entries().get(0).outcome()).isEqualTo("refused: AcquireLeaderLock (the leader key exists)");
        assertThat(b.path()).isNull();
    }

    @Test
    void theDefaultDirectoryIsNextToTheDataDirectory() {
        assertThat(DecisionBook.defaultDir("/var/lib/postgresql/15/main"))
                .isEqualTo(Path.of("/var/lib/postgresql/15"));
    }
}
