package dev.regent.dcs.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * A malformed command sent straight to the Raft group (as anyone holding the password, or anyone on the network
 * without one, could send it) is refused before it enters the log, and the group keeps serving, also after a cold
 * restart that replays the log. Before, {@code {}} reached a switch on a null op in every replica's apply: Ratis
 * closed each server, and every restart replayed the committed entry and died again.
 */
class RaftPoisonCommandTest {
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration RETRY = Duration.ofSeconds(10);

    private static final List<String> POISON = List.of(
            "{}",
            "{\"op\":\"bogus\",\"key\":\"/service/x\"}",
            "{\"op\":\"put\",\"key\":\"/service/x\"}",
            "{\"op\":\"put\",\"value\":\"v\"}",
            "{\"op\":\"cas\",\"key\":\"/service/x\",\"value\":\"v\",\"rev\":-1}",
            "{\"op\":\"put\",\"key\":\"/service/x\",\"value\":\"" + "v".repeat(Command.MAX_VALUE + 1) + "\"}",
            "{\"op\":\"put\",\"key\":\"/" + "k".repeat(Command.MAX_KEY) + "\",\"value\":\"v\"}",
            "not json at all",
            "null");

    @Test
    void malformedCommandsAreRefusedAndTheGroupKeepsServingAcrossARestart() throws Exception {
        RaftTestGroup g = new RaftTestGroup(3);
        try {
            try (RaftKeyValueStore s = g.store("a", TTL)) {
                s.put("/service/before", "1", false);
            }
            RaftKvServer leader = g.peers.get(g.leaderIndex());
            try (RaftClient raw = leader.newClient(RETRY)) {
                for (String poison : POISON) {
                    Message message = Message.valueOf(ByteString.copyFrom(poison, StandardCharsets.UTF_8));
                    String shown = poison.length() > 60 ? poison.substring(0, 60) + "..." : poison;
                    assertThatThrownBy(() -> raw.io().send(message)).as("reply to %s", shown)
                            .isInstanceOf(StateMachineException.class)
                            .hasMessageContaining(" raft DCS command");
                }
            }
            try (RaftKeyValueStore s = g.store("b", TTL)) {
                s.put("/service/after", "2", false);
                assertThat(s.getPrefix("/service/")).extracting(KeyValue::key)
                        .containsExactly("/service/after", "/service/before");
            }
        } finally {
            g.close();
        }
        for (int i = 0; i < 3; i++) g.peers.add(g.startPeer(i));  // a cold restart replays the whole log
        try (RaftKeyValueStore s = g.store("c", TTL)) {
            assertThat(s.getPrefix("/service/")).extracting(KeyValue::value).containsExactly("2", "1");
            assertThat(s.create("/service/restarted", "3", false)).isTrue();
        } finally {
            g.destroy();
        }
    }

    @Test
    void applyIsTotalForCommandsThatSlippedIntoTheLog() {
        // entries written before commands were validated: each fails and changes nothing, none throws
        KvState state = new KvState();
        long revision = state.revision();
        for (Command bad : List.of(new Command(null, null, null, null, 0, 0, 0, 1),
                new Command("bogus", "/k", "v", null, 0, 0, 0, 1), new Command("put", null, "v", null, 0, 0, 0, 1),
                new Command("pive", "/k", null, "x", 0, 0, 0, 1), new Command("keepAlive", null, null, null, 0, -1, 0, 1))) {
            assertThat(state.apply(bad).ok()).as(bad.toString()).isFalse();
        }
        assertThat(state.apply(null).ok()).isFalse();
        assertThat(state.revision()).isEqualTo(revision);
        assertThat(state.range("")).isEmpty();
        assertThat(state.apply(new Command("put", "/k", "v", null, 0, 0, 0, 1)).ok()).isTrue();
    }
}
