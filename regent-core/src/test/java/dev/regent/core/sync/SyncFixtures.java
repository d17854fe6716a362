package dev.regent.core.sync;

import dev.regent.core.model.ClusterConfig;
import dev.regent.core.model.Member;
import dev.regent.core.model.MemberData;
import java.util.HashMap;
import java.util.Map;

/** Small builders for the sync tests. */
final class SyncFixtures {
    private SyncFixtures() {}

    static Member member(String name, Map<String, Object> tags) {
        return member(name, "running", tags);
    }

    static Member member(String name, String state, Map<String, Object> tags) {
        MemberData d = new MemberData("postgres://" + name, "http://" + name + ":8008/patroni", null, state, null,
                null, null, null, null, null, null, tags, null, null, null, null, false, Map.of());
        return new Member(name, 1, null, d);
    }

    static ClusterConfig config(Object mode, Object... kv) {
        Map<String, Object> c = new HashMap<>();
        c.put("synchronous_mode", mode);
        for (int i = 0; i < kv.length; i += 2) c.put((String) kv[i], kv[i + 1]);
        return new ClusterConfig(1, c);
    }

    static WalSender sender(String name, String state, long lsn) {
        return new WalSender(lsn > 0 ? (int) lsn : 1, name, state, lsn, lsn, lsn);
    }
}
