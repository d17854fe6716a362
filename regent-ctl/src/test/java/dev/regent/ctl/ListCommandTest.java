package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListCommandTest {
    private CtlFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new CtlFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void prettyTableWithTitleLagsAndTags() {
        CtlFixture.Result r = f.run("", "list");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join("\n",
                "+ Cluster: batman (7000000000000000001) --------+----+-------------+-----+------------+-----+------------------+",
                "| Member | Host           | Role    | State     | TL | Receive LSN | Lag | Replay LSN | Lag | Tags             |",
                "+--------+----------------+---------+-----------+----+-------------+-----+------------+-----+------------------+",
                "| m1     | 127.0.0.1:5432 | Leader  | running   |  2 |             |     |            |     |                  |",
                "| m2     | 127.0.0.1:5433 | Replica | streaming |  2 | 0/4000000   |   0 | 0/3E00000  |   2 |                  |",
                "| m3     | 127.0.0.1:5434 | Replica | running   |  2 | 0/3000000   |  16 | 0/3000000  |  16 | nofailover: true |",
                "+--------+----------------+---------+-----------+----+-------------+-----+------------+-----+------------------+",
                ""));
    }

    @Test
    void tsvKeepsTheClusterColumnAndFullLagHeaders() {
        CtlFixture.Result r = f.run("", "list", "-f", "tsv");
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo(
                "Cluster\tMember\tHost\tRole\tState\tTL\tReceive LSN\tReceive Lag\tReplay LSN\tReplay Lag\tTags");
        assertThat(lines[3]).isEqualTo(
                "batman\tm3\t127.0.0.1:5434\tReplica\trunning\t2\t0/3000000\t16\t0/3000000\t16\t{nofailover: true}");
    }

    @Test
    void jsonSkipsEmptyCellsAndKeepsTypes() {
        CtlFixture.Result r = f.run("", "list", "--format", "json");
        assertThat(r.out()).startsWith("[{\"Cluster\": \"batman\", \"Member\": \"m1\", \"Host\": \"127.0.0.1:5432\","
                + " \"Role\": \"Leader\", \"State\": \"running\", \"TL\": 2}, ");
        assertThat(r.out()).contains("\"Tags\": {\"nofailover\": true}");
    }

    @Test
    void yamlIsAListOfSortedMappings() {
        CtlFixture.Result r = f.run("", "list", "-f", "yaml");
        assertThat(r.out()).startsWith("- Cluster: batman\n  Host: 127.0.0.1:5432\n  Member: m1\n  Role: Leader\n");
        assertThat(r.out()).contains("  Tags:\n    nofailover: true\n");
    }

    @Test
    void extendedAddsRestartColumnsAndFooterShowsPauseAndSchedule() throws Exception {
        f.put("config", "{\"loop_wait\": 10, \"pause\": true}");
        f.put("failover", "{\"leader\": \"m1\", \"member\": \"m2\", \"scheduled_at\": \"2030-01-01T10:00:00+00:00\"}");
        CtlFixture.Result r = f.run("", "list", "-e");
        assertThat(r.out().split("\n")[1]).contains("| Pending restart | Pending restart reason | Scheduled restart |");
        assertThat(r.out()).contains(" Maintenance mode: on\n Switchover scheduled at: ");
        assertThat(r.out()).contains("\n                    from: m1\n                      to: m2\n");
    }

    @Test
    void timestampAndWatchRepeatUntilInterrupted() {
        f.maxSleeps = 1;
        CtlFixture.Result r = f.run("", "list", "-t", "-w", "0.1");
        assertThat(r.code()).isZero();
        assertThat(r.out().split("2024-05-01 12:30:45\n", -1)).hasSize(3);
        assertThat(f.sleeps.get()).isEqualTo(2);
    }

    @Test
    void topologyIndentsReplicasUnderTheirUpstream() throws Exception {
        f.member("m3", "\"role\": \"replica\", \"state\": \"running\", \"tags\": {\"replicatefrom\": \"m2\"}", 5434);
        CtlFixture.Result r = f.run("", "topology");
        assertThat(r.out()).contains("| m1     |").contains("| + m2   |").contains("|   + m3 |");
    }

    @Test
    void uninitializedClusterTitle() {
        CtlFixture.Result r = f.run("", "list", "other");
        assertThat(r.out()).startsWith("+ Cluster: other (uninitialized) ");
    }

    @Test
    void badFormatIsAUsageError() {
        CtlFixture.Result r = f.run("", "list", "-f", "xml");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("Error: Invalid value for '--format'").hasLineCount(1);
    }
}
