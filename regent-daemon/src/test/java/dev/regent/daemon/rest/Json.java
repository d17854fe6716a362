package dev.regent.daemon.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test JSON helpers. */
final class Json {
    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) {
        try {
            return Exchange.JSON.readValue(json, LinkedHashMap.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return Exchange.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
