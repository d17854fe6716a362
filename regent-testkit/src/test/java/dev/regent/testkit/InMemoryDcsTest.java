package dev.regent.testkit;

import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.memory.InMemoryKvServer;
import dev.regent.dcs.memory.ManualClock;
import java.time.Duration;

/** The Patroni DCS contract on the in-memory DCS with a manual clock. */
class InMemoryDcsTest extends DcsContract {
    private final ManualClock clock = new ManualClock();
    private final InMemoryKvServer server = new InMemoryKvServer(clock);

    @Override
    protected KeyValueStore newStore(String node) {
        return server.newStore(node, ttl());
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(30);
    }

    @Override
    protected void letTimePass(Duration d) {
        clock.advance(d);
    }
}
