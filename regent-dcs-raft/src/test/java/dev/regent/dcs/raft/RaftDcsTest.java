package dev.regent.dcs.raft;

import dev.regent.dcs.KeyValueStore;
import dev.regent.testkit.DcsContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Patroni DCS contract against a 3-peer in-process Ratis group on real time. */
class RaftDcsTest extends DcsContract {
    private static RaftTestGroup group;

    @BeforeAll
    static void startGroup() {
        group = new RaftTestGroup(3);
    }

    @AfterAll
    static void stopGroup() {
        group.destroy();
    }

    @Override
    protected KeyValueStore newStore(String node) {
        return group.store(node, ttl());
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void letTimePass(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
