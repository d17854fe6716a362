package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.SyncState;
import dev.regent.dcs.DcsJson;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code sync} value both ways with Patroni 3.0.2 (Debian's package): what Regent writes, Patroni's
 * {@code SyncState.from_node} reads as the same leader and members (it ignores {@code quorum}, which 3.0.2 does not
 * know); what Patroni's {@code write_sync_state} writes, Regent reads as the same state.
 */
class SyncCodecPatroniTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Per input line: [leader, members] as Patroni reads our value, and Patroni's own value for that state. */
    private static final String ROUND_TRIP = String.join("\n",
            "import json, sys",
            "from patroni.dcs import SyncState, AbstractDCS",
            "for line in sys.stdin.read().splitlines():",
            "    s = SyncState.from_node(7, line)",
            "    own = json.dumps(AbstractDCS.sync_state(s.leader, s.members), separators=(',', ':'))",
            "    print(json.dumps([s.leader, s.members, own]))");

    @Test
    void patroniReadsWhatRegentWritesAndRegentReadsWhatPatroniWrites() throws Exception {
        List<SyncState> states = List.of(new SyncState(0, "pg0", Set.of(), 0),
                new SyncState(0, "pg0", Set.of("pg1"), 0),
                new SyncState(0, "postgres-0", Set.of("postgres-2", "postgres-1"), 1),
                new SyncState(0, "caf\u00e9", Set.of("a\"b", "c\\d"), 0));
        StringBuilder in = new StringBuilder();
        for (SyncState s : states) in.append(DcsJson.syncToJson(s.leader(), s.syncStandbys(), s.quorum())).append('\n');
        List<JsonNode> rows = run(in.toString());
        assertThat(rows).hasSize(states.size());
        for (int i = 0; i < states.size(); i++) {
            SyncState s = states.get(i);
            JsonNode row = rows.get(i);
            assertThat(row.get(0).asText()).isEqualTo(s.leader());
            List<String> members = new ArrayList<>();
            row.get(1).forEach(m -> members.add(m.asText()));
            assertThat(members).as("members as Patroni reads them").containsExactlyElementsOf(new TreeSet<>(
                    s.syncStandbys()));
            SyncState back = DcsJson.parseSync(9, row.get(2).asText());
            assertThat(back.leader()).isEqualTo(s.leader());
            assertThat(back.syncStandbys()).isEqualTo(s.syncStandbys());
            assertThat(back.quorum()).as("Patroni 3.0.2 writes no quorum").isZero();
            if (s.quorum() == 0) {
                // the same bytes but for the quorum field Patroni 3.0.2 does not write
                assertThat(DcsJson.syncToJson(s.leader(), s.syncStandbys(), 0))
                        .isEqualTo(row.get(2).asText().replaceFirst("}$", ",\"quorum\":0}"));
            }
        }
    }

    private static List<JsonNode> run(String input) throws Exception {
        assertThat(Files.isExecutable(PYTHON)).as("%s (Debian's patroni runs on it) is missing", PYTHON).isTrue();
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", ROUND_TRIP).redirectErrorStream(true).start();
        try (OutputStream o = p.getOutputStream()) {
            o.write(input.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) rows.add(new ObjectMapper().readTree(line));
        }
        return rows;
    }
}
