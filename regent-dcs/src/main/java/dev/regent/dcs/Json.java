package dev.regent.dcs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The shared Jackson mapper of the DCS codecs (compact output, like Patroni's {@code json.dumps}). */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Parse text; {@link IllegalArgumentException} with the parser's reason when it is not JSON. */
    static JsonNode parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty value");
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    static ObjectNode parseObject(String text) {
        JsonNode node = parse(text);
        if (!node.isObject()) throw new IllegalArgumentException("not a JSON object: " + abbreviate(text));
        return (ObjectNode) node;
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize JSON", e);
        }
    }

    static String writeValue(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON node as plain Java: Map, List, String, Number, Boolean or null. */
    static Object toJava(JsonNode node) {
        return MAPPER.convertValue(node, Object.class);
    }

    /** A long from a JSON number or numeric string, or null when absent/invalid. */
    static Long asLong(JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (node.isIntegralNumber()) return node.asLong();
        if (node.isNumber()) return (long) node.asDouble();
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static String asText(JsonNode node) {
        return node == null || node.isNull() ? null : node.isValueNode() ? node.asText() : node.toString();
    }

    static String abbreviate(String s) {
        if (s == null) return "null";
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
