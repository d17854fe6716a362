package dev.regent.dcs.raft;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/** JSON (de)serialization of commands, replies, queries and snapshots. Thread-safe. */
final class Codec {
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Codec() {}

    static Message message(Object value) {
        return Message.valueOf(ByteString.copyFrom(bytes(value)));
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(ByteString content, Class<T> type) {
        try {
            return JSON.readValue(content.toByteArray(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("malformed raft message for " + type.getSimpleName(), e);
        }
    }
}
