package dev.regent.core.ha;

import static dev.regent.core.ha.Scenario.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.model.ClusterView;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Patroni's reinitialize refusals, as POST /reinitialize checks them (the decider's are in CommandScenariosTest). */
class ReinitializeConditionsTest {
    @ParameterizedTest(name = "{0}, me {1}, task {2}, force {3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "led by pg0|pg1|-        |false|-",
            "led by pg0|pg1|-        |true |-",
            "led by pg0|pg1|restart  |false|restart already in progress",
            "led by pg0|pg1|restart  |true |-",
            "led by pg0|pg0|-        |false|I am the leader, can not reinitialize",
            "led by pg0|pg0|restart  |true |I am the leader, can not reinitialize",
            "unlocked  |pg1|-        |false|Cluster has no leader, can not reinitialize",
            "unlocked  |pg1|bootstrap|false|Cluster has no leader, can not reinitialize",
            "no DCS    |pg1|-        |true |Cluster has no leader, can not reinitialize",
    })
    void refusal(String cluster, String me, String task, boolean force, String expected) {
        ClusterView c = switch (cluster) {
            case "led by pg0" -> as("pg1").input().cluster();
            case "unlocked" -> as("pg1").unlocked().input().cluster();
            case "no DCS" -> null;
            default -> throw new IllegalArgumentException(cluster);
        };
        assertThat(ReinitializeConditions.refusal(c, me, task, force)).isEqualTo(expected);
    }
}
