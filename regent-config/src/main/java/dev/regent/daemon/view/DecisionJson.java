package dev.regent.daemon.view;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.regent.core.ledger.LedgerEntry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON of decision ledger entries, one writer and one reader for the ledger file, {@code GET /decisions} and
 * {@code regentctl why}: {@code {"time": "2026-12-02T16:40:01.123Z", "cycle": 12, "member": "node1", "kind":
 * "leader_race_won", "summary": "...", "message": "...", "actions": [...], "outcome": "ok", "reasons": [...],
 * "inputs": {...}}}. Thread-safe.
 */
public final class DecisionJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> TREE = new TypeReference<>() {};

    private DecisionJson() {}

    /** One entry as a JSON object. */
    public static ObjectNode node(LedgerEntry e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", Instant.ofEpochMilli(e.timeMillis()).toString());
        n.put("cycle", e.cycle());
        n.put("member", e.member());
        n.put("kind", e.kind());
        n.put("summary", e.summary());
        n.put("message", e.message());
        ArrayNode actions = n.putArray("actions");
        e.actions().forEach(actions::add);
        n.put("outcome", e.outcome());
        ArrayNode reasons = n.putArray("reasons");
        e.reasons().forEach(reasons::add);
        n.set("inputs", JSON.valueToTree(e.inputs()));
        return n;
    }

    /** One entry on one line (the ledger file's format). */
    public static String line(LedgerEntry e) {
        try {
            return JSON.writeValueAsString(node(e));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);  // a tree of strings, numbers, lists and maps always serializes
        }
    }

    /** A list of entries as a JSON array. */
    public static byte[] array(List<LedgerEntry> entries) {
        ArrayNode a = JSON.createArrayNode();
        entries.forEach(e -> a.add(node(e)));
        try {
            return JSON.writeValueAsBytes(a);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Reads one entry.
     *
     * @throws IllegalArgumentException naming what is wrong when the text is no ledger entry
     */
    public static LedgerEntry parse(String text) {
        try {
            return entry(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Reads a JSON array of entries ({@code GET /decisions}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static List<LedgerEntry> parseArray(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException("expected a JSON array of decisions");
        List<LedgerEntry> out = new ArrayList<>();
        for (JsonNode n : root) out.add(entry(n));
        return out;
    }

    private static LedgerEntry entry(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("a decision must be a JSON object");
        String member = n.path("member").asText(null);
        String kind = n.path("kind").asText(null);
        if (member == null || kind == null) throw new IllegalArgumentException("a decision needs member and kind");
        long time;
        try {
            time = Instant.parse(n.path("time").asText("")).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time: '" + n.path("time").asText("") + "' is no ISO-8601 instant");
        }
        return new LedgerEntry(time, n.path("cycle").asLong(0), member, kind, n.path("summary").asText(""),
                n.path("message").asText(""), strings(n.path("actions")), n.path("outcome").asText("ok"),
                strings(n.path("reasons")), n.path("inputs").isObject() ? JSON.convertValue(n.get("inputs"), TREE)
                        : Map.of());
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a.isArray()) a.forEach(x -> out.add(x.asText()));
        return out;
    }
}
