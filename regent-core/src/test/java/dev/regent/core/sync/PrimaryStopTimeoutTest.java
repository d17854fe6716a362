package dev.regent.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** primary_stop_timeout cuts a demoting primary's stop short only in synchronous mode and only when above 0. */
class PrimaryStopTimeoutTest {

    private static ClusterConfig config(Map<String, Object> data) {
        return new ClusterConfig(1, data);
    }

    @Test
    void appliesInOnAndQuorumMode() {
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "primary_stop_timeout", 5))))
                .contains(Duration.ofSeconds(5));
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", true, "primary_stop_timeout",
                "7")))).contains(Duration.ofSeconds(7));
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "quorum",
                "primary_stop_timeout", 3)))).contains(Duration.ofSeconds(3));
    }

    @Test
    void neverInAsynchronousMode() {
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("primary_stop_timeout", 5)))).isEmpty();
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "off", "primary_stop_timeout", 5))))
                .isEmpty();
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "bogus", "primary_stop_timeout",
                5)))).as("an invalid mode counts as off").isEmpty();
    }

    @Test
    void zeroNegativeOrUnsetMeansNoLimit() {
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on")))).isEmpty();
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "primary_stop_timeout", 0))))
                .isEmpty();
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "primary_stop_timeout", -1))))
                .isEmpty();
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "primary_stop_timeout",
                "soon")))).as("unparsable: Patroni's default 0").isEmpty();
    }

    @Test
    void masterStopTimeoutIsReadOnlyWithoutTheNewName() {
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "master_stop_timeout", 4))))
                .contains(Duration.ofSeconds(4));
        assertThat(PrimaryStopTimeout.forDemote(config(Map.of("synchronous_mode", "on", "master_stop_timeout", 4,
                "primary_stop_timeout", 0)))).as("primary_stop_timeout present wins, even 0").isEmpty();
    }
}
