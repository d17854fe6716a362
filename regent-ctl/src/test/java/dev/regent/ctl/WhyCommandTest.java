package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.ledger.LedgerEntry;
import dev.regent.daemon.view.DecisionJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code why}: members' ledgers merged in time order; members without a ledger or unreachable are named. */
class WhyCommandTest {
    private CtlFixture f;

    private static LedgerEntry entry(String member, long time, String summary) {
        return new LedgerEntry(time, 1, member, "follow", summary, "m", List.of(), "ok", List.of(), Map.of());
    }

    private static String json(LedgerEntry... entries) {
        return new String(DecisionJson.array(List.of(entries)), StandardCharsets.UTF_8);
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new CtlFixture();
        f.members.get("m1").reply("GET /decisions", 200, json(entry("m1", 1000, "m1 stepped down"),
                entry("m1", 5000, "m1 now streams from m2")));
        f.members.get("m2").reply("GET /decisions", 200, json(entry("m2", 3000, "m2 won the leader race")));
        // a Patroni member answers an unknown GET path with its status document
        f.members.get("m3").reply("GET /decisions", 200, "{\"state\": \"running\", \"role\": \"replica\"}");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    @Test
    void theStoryIsMergedInTimeOrder() {
        CtlFixture.Result r = f.run("", "why");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().map(l -> l.substring(20)).toList())
                .containsExactly("m1 stepped down", "m2 won the leader race", "m1 now streams from m2");
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d .*");
        assertThat(r.err()).startsWith("m3: keeps no decision ledger (expected a JSON array of decisions)");
    }

    @Test
    void oneMemberLastLinesAndJson() {
        assertThat(f.run("", "why", "m1").out().lines().map(l -> l.substring(20)).toList())
                .containsExactly("m1 stepped down", "m1 now streams from m2");
        assertThat(f.run("", "why", "-n", "1").out().lines().map(l -> l.substring(20)).toList())
                .containsExactly("m1 now streams from m2");
        CtlFixture.Result json = f.run("", "why", "-f", "json", "m2");
        assertThat(DecisionJson.parseArray(json.out())).containsExactly(entry("m2", 3000, "m2 won the leader race"));
    }

    @Test
    void badArgumentsAndSilentMembersAreErrors() {
        CtlFixture.Result since = f.run("", "why", "--since", "yesterday");
        assertThat(since.code()).isEqualTo(2);
        assertThat(since.err()).contains("Invalid value for '--since': since: 'yesterday' is neither a cycle number"
                + " nor an ISO-8601 time");
        CtlFixture.Result unknown = f.run("", "why", "m9");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("m9 is not a member of the cluster");
        CtlFixture.Result none = f.run("", "why", "m3");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("m3: keeps no decision ledger").contains("no member told its decisions");
    }
}
