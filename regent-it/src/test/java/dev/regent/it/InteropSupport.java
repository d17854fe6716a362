package dev.regent.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Shared helpers of the Patroni interoperability tests. */
final class InteropSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private InteropSupport() {}

    /** {@code patronictl list -f json}, rows by member name. */
    static Map<String, JsonNode> listJson(PatroniCtl ctl) throws IOException {
        String out = ctl.run("list", "-f", "json").assertOk("list -f json").output();
        int start = out.indexOf('[');
        if (start < 0) throw new AssertionError("patronictl list -f json printed no JSON:\n" + out);
        Map<String, JsonNode> rows = new HashMap<>();
        JSON.readTree(out.substring(start)).forEach(r -> rows.put(r.path("Member").asText(), r));
        return rows;
    }

    /**
     * A leader and {@code size} running members, every non-leader a running replica on the leader's timeline. Does
     * not look at {@code replication_state}: Patroni 3.0.2 does not publish it in the member key.
     */
    static boolean healthy(ClusterView c, int size) {
        if (c.leader() == null || c.members().size() < size) return false;
        for (Member m : c.members()) {
            if (!m.isRunning()) return false;
            String role = m.data().normalizedRole();
            if (c.isLeader(m.name()) ? !"primary".equals(role) : !"replica".equals(role)) return false;
        }
        return true;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitTrue(String what, Duration timeout, Supplier<String> diagnostics, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) return;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + (last == null ? "" : " (last error: " + last + ")")
                + "\n" + diagnostics.get());
    }
}
