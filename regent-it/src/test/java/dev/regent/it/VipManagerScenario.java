package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The scenario of a store test class for Debian's vip-manager 1.0.2: one vip-manager per member, each in a network
 * namespace standing for the member's host ({@link VipManagers}), watching the leader key Regent writes. The virtual
 * IP must be on the leader's namespace only, and on the new leader's only after a switchover. Root only: skipped with
 * the reason printed otherwise (network namespaces).
 */
final class VipManagerScenario {
    private static final Duration HEALTHY = Duration.ofSeconds(120);
    private static final Duration MOVE = Duration.ofSeconds(60);

    private VipManagerScenario() {}

    /** Runs the scenario on {@code cluster} (scope {@code it}) whose store vip-manager reads as {@code dcsType}. */
    static void run(LocalCluster cluster, String dcsType, String storeHostPort) throws Exception {
        String reason = VipManagers.unavailableReason();
        if (reason != null) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
        ClusterView before = cluster.awaitHealthy(HEALTHY);
        String oldLeader = before.leader().name();
        String candidate = before.members().stream().map(m -> m.name()).filter(n -> !n.equals(oldLeader))
                .findFirst().orElseThrow();
        try (VipManagers vips = VipManagers.start(cluster.dir().resolve("vip"), List.of("node0", "node1", "node2"),
                "/service/it/leader", dcsType, storeHostPort)) {
            awaitHolders(cluster, vips, List.of(oldLeader));
            HttpResponse<String> r = cluster.rest(cluster.index(oldLeader), "POST", "/switchover",
                    "{\"leader\": \"" + oldLeader + "\", \"candidate\": \"" + candidate + "\"}");
            assertThat(r.statusCode()).as(r.body() + "\n" + cluster.logs()).isEqualTo(200);
            awaitHolders(cluster, vips, List.of(candidate));
            assertThat(cluster.awaitHealthy(HEALTHY).leader().name()).isEqualTo(candidate);
            assertThat(vips.log(oldLeader)).contains("Configuring address " + vips.vip() + "/24 on eth0")
                    .contains("Removing address " + vips.vip() + "/24 on eth0");
            assertThat(vips.log(candidate)).contains("Configuring address " + vips.vip() + "/24 on eth0");
        }
    }

    /** Waits until exactly {@code expected} hold the virtual IP; fails with the namespaces' state and logs. */
    private static void awaitHolders(LocalCluster cluster, VipManagers vips, List<String> expected) throws Exception {
        long deadline = System.nanoTime() + MOVE.toNanos();
        List<String> holders = vips.holders();
        while (!holders.equals(expected) && vips.exited().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            holders = vips.holders();
        }
        assertThat(vips.exited()).as("vip-managers that exited\n" + vips.logs()).isEmpty();
        assertThat(holders).as("members whose namespace has " + vips.vip() + "\n" + vips.logs() + "\n"
                + cluster.logs()).isEqualTo(expected);
    }
}
