package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.Failover;
import dev.regent.dcs.DcsJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code failover} value our codec writes, read by Patroni 3.0.2's own decoder ({@code Failover.from_node}, from
 * Debian's package, run by the interpreter Debian's {@code patronictl} uses) and re-encoded the way Patroni's
 * {@code manual_failover} writes it: names with quotes, backslashes, control and non-ASCII characters must come back
 * unchanged, and our bytes must be Patroni's bytes.
 */
class FailoverCodecPatroniTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * For each input line (one failover value): Patroni's decoded leader, member, scheduled_at.isoformat(), and the
     * value as Patroni's manual_failover would encode the same dict.
     */
    private static final String DECODE = String.join("\n",
            "import json, sys",
            "from patroni.dcs import Failover",
            "for line in sys.stdin.read().splitlines():",
            "    f = Failover.from_node(7, line)",
            "    d = json.loads(line)",
            "    print(json.dumps([f.leader, f.candidate,",
            "                      f.scheduled_at.isoformat() if f.scheduled_at else None,",
            "                      json.dumps(d, separators=(',', ':'))]))");

    @Test
    void patronisDecoderReadsBackWhatTheCodecWritesAndWouldWriteTheSameBytes() throws Exception {
        Instant at = Instant.parse("2030-05-01T08:00:00.123456Z");
        List<Case> cases = List.of(
                new Case(new Failover(0, "pg\\\"0\\", "a\"b\\c", null), null),
                new Case(new Failover(0, null, "x\\\\\"\"y\\n", at), ZoneOffset.ofHoursMinutes(5, 30)),
                new Case(new Failover(0, "caf\u00e9", "tab\there\u007f\uD83D\uDE00",
                        Instant.parse("2030-01-01T00:00:00Z")), ZoneOffset.UTC),
                new Case(new Failover(0, "pg0", null, at), ZoneOffset.ofHours(-3)));
        StringBuilder input = new StringBuilder();
        for (Case c : cases) {
            String value = DcsJson.failoverToJson(c.failover, c.offset);
            assertThat(value).as("one line, printable ASCII only").matches("[ -~]*");
            input.append(value).append('\n');
        }
        List<JsonNode> decoded = runPatroni(input.toString());
        assertThat(decoded).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            Failover f = cases.get(i).failover;
            ZoneOffset offset = cases.get(i).offset;
            String value = DcsJson.failoverToJson(f, offset);
            JsonNode p = decoded.get(i);
            assertThat(text(p.get(0))).as("leader read by Patroni from %s", value).isEqualTo(f.leader());
            assertThat(text(p.get(1))).as("member read by Patroni from %s", value).isEqualTo(f.candidate());
            assertThat(text(p.get(2))).as("scheduled_at as Patroni's isoformat() of what it parsed")
                    .isEqualTo(f.scheduledAt() == null ? null : DcsJson.formatTimestamp(f.scheduledAt(), offset));
            assertThat(p.get(3).asText()).as("Patroni's manual_failover encoding of the same request").isEqualTo(value);
            assertThat(DcsJson.parseFailover(3, value)).as("our decoder reads it back")
                    .isEqualTo(new Failover(3, f.leader(), f.candidate(), f.scheduledAt()));
        }
    }

    @Test
    void theClearedValueIsAnEmptyObjectThatPatroniReadsAsNoRequest() throws Exception {
        String cleared = DcsJson.failoverToJson(null, null);
        assertThat(cleared).isEqualTo("{}");
        JsonNode p = runPatroni(cleared + "\n").get(0);
        assertThat(p.get(0).isNull() && p.get(1).isNull() && p.get(2).isNull()).as("Patroni reads %s", p).isTrue();
        assertThat(DcsJson.parseFailover(3, cleared)).isNull();
    }

    private record Case(Failover failover, ZoneOffset offset) {}

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static List<JsonNode> runPatroni(String input) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(PYTHON)).as("%s (Debian's patroni package runs on it) is missing", PYTHON)
                .isTrue();
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", DECODE).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Patroni's decoder did not finish in 60 s");
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("python3 with Patroni's Failover.from_node failed:\n%s", text).isZero();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) rows.add(JSON.readTree(line));
        }
        return rows;
    }
}
