package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Promotion runs in the background while the loop keeps the leader lock (issue 9): a {@code pre_promote} script that
 * takes longer than ttl (20 s) must not let the lock lapse, and a {@code pre_promote} that fails makes the candidate
 * give the lock up and back off, as Patroni does. Two nodes on real etcd and PostgreSQL; each node's pre_promote
 * (a shell script) logs its start and end to {@code <node>_pre_promote.log}, sleeps the seconds written in
 * {@code <node>_pre_promote.sleep} and exits 1 while {@code <node>_pre_promote.fail} exists.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PromotionLeaseEndToEndTest {
    private static final int TTL = 20;
    private static final int PRE_PROMOTE_SECONDS = 28;
    private static FeatureSteps steps;

    @BeforeAll
    static void layOut() throws Exception {
        steps = new FeatureSteps(2, TTL, 2, 4);
        for (int i = 0; i < 2; i++) {
            Path script = steps.cluster().dir().resolve(FeatureSteps.name(i) + "_pre_promote.sh");
            Files.writeString(script, "#!/bin/sh\n"
                    + "echo \"start $(date +%s)\" >> " + file(i, "log") + "\n"
                    + "if [ -f " + file(i, "fail") + " ]; then echo fail >> " + file(i, "log") + "; exit 1; fi\n"
                    + "sleep \"$(cat " + file(i, "sleep") + " 2>/dev/null || echo 0)\"\n"
                    + "echo \"end $(date +%s)\" >> " + file(i, "log") + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            // the node YAML ends inside its postgresql section (callbacks last): pre_promote belongs there
            Path yml = steps.cluster().dir().resolve(FeatureSteps.name(i) + ".yml");
            Files.writeString(yml, Files.readString(yml) + "  pre_promote: " + script + "\n");
        }
        steps.start(0);
        steps.isLeader(0, 30);
        steps.start(1);
        steps.replicationWorks(0, 1, 30);
        // a switchover needs a healthy candidate: node1 streaming, as its member key and REST API say
        steps.cluster().awaitHealthy(Duration.ofSeconds(60));
    }

    @AfterAll
    static void tearDown() {
        if (steps != null) steps.close();
    }

    private static Path file(int i, String suffix) {
        return steps.cluster().dir().resolve(FeatureSteps.name(i) + "_pre_promote." + suffix);
    }

    private static List<String> log(int i) throws Exception {
        Path p = file(i, "log");
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    @Test
    @Order(1)
    void aPrePromoteLongerThanTtlKeepsTheLockUntilThePromotionCompleted() throws Exception {
        Files.writeString(file(1, "sleep"), String.valueOf(PRE_PROMOTE_SECONDS));
        long started = System.nanoTime();
        HttpResponse<String> r = steps.rest(0, "POST", "/switchover", "{\"leader\": \"node0\", \"candidate\": \"node1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        steps.isLeader(1, 30);
        // From the moment node1 holds the lock until its postgres is a primary, nobody else may hold it and the key
        // must never vanish (etcd drops it ttl after the last renewal).
        List<String> holders = new ArrayList<>();
        AtomicBoolean promoted = new AtomicBoolean();
        steps.awaitTrue("node1 promoted while holding the lock", Duration.ofSeconds(PRE_PROMOTE_SECONDS + 40), () -> {
            ClusterView c = steps.cluster().cluster();
            String holder = c.leader() == null ? "<none>" : c.leader().name();
            if (holders.isEmpty() || !holders.get(holders.size() - 1).equals(holder)) holders.add(holder);
            promoted.set("f".equals(steps.query(1, "SELECT pg_is_in_recovery()")));
            return promoted.get();
        });
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(holders).as("leader key holders while pre_promote ran").containsExactly("node1");
        assertThat(seconds).as("pre_promote outlasted ttl").isGreaterThan(TTL);
        assertThat(log(1)).hasSize(2).first().asString().startsWith("start");
        assertThat(log(1).get(1)).startsWith("end");
        long took = Long.parseLong(log(1).get(1).split(" ")[1]) - Long.parseLong(log(1).get(0).split(" ")[1]);
        assertThat(took).as("pre_promote seconds").isGreaterThanOrEqualTo(PRE_PROMOTE_SECONDS - 1);
        steps.logHas(1, "INFO", List.of("updated leader lock during promote"), 5);
        steps.isLeader(1, 5);
        steps.roleIs(0, "secondary", 60);
        steps.replicationWorks(1, 0, 60);
        steps.cluster().awaitHealthy(Duration.ofSeconds(60));
    }

    @Test
    @Order(2)
    void aFailingPrePromoteReleasesTheLockAndBacksOff() throws Exception {
        Files.writeString(file(0, "fail"), "");
        Files.writeString(file(1, "sleep"), "0");
        HttpResponse<String> r = steps.rest(1, "POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node0\"}");
        assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
        steps.logHas(0, "WARNING", List.of("Releasing the leader key voluntarily because the pre-promote script failed"),
                60);
        steps.logHas(0, "INFO", List.of("Promotion cancelled because the pre-promote script failed"), 5);
        assertThat(log(0)).contains("fail");
        // node0 never ran pg_ctl promote; node1, the only other member, wins the next race and promotes again
        steps.isLeader(1, 60);
        steps.roleIs(1, "primary", 60);
        steps.roleIs(0, "secondary", 5);
        steps.replicationWorks(1, 0, 60);
        steps.cluster().awaitHealthy(Duration.ofSeconds(60));
    }
}
