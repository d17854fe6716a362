package dev.regent.it;

import dev.regent.testkit.consul.ConsulTestServer;
import java.time.Duration;

/**
 * The Consul test server (regent-testkit) for end-to-end clusters: in the test's JVM, reached by the daemons by URL.
 * Consul's default {@code session_ttl_min} of 10 s, and sessions invalidated anywhere between TTL and 2 x TTL after
 * their last renewal (the documented range, rather than exactly 2 x TTL as the agent does), so that nothing relies on
 * the doubling.
 */
public final class ItConsul {
    private ItConsul() {}

    public static ConsulTestServer start() {
        return ConsulTestServer.start(Duration.ofSeconds(10)).ttlMultiplier(1.0, 2.0);
    }

    /** {@code -Dregent.it.dcs=consul}: clusters made by {@link LocalCluster#start}/{@code create} use Consul. */
    static ConsulTestServer startIfRequested() {
        return System.getProperty(ItZooKeeper.STORE_PROPERTY, "etcd3").equals("consul") ? start() : null;
    }
}
