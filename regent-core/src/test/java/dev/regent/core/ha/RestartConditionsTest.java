package dev.regent.core.ha;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Patroni's restart_matches: each filter of POST /restart, alone and in Patroni's order. */
class RestartConditionsTest {
    @ParameterizedTest(name = "role={0} version<{1} pending={2} on {3}/{4}/{5} -> {6}")
    @CsvSource(nullValues = "-", value = {
            // role,           version,pending,node role,      node v, node p,reason
            "-,              -,      false, primary,        150004, false, -",
            "-,              -,      false, -,              0,      false, -",
            "primary,        -,      false, primary,        150004, false, -",
            "primary,        -,      false, replica,        150004, false, host role mismatch",
            "replica,        -,      false, -,              0,      false, host role mismatch",
            "standby_leader, -,      false, standby_leader, 150004, false, -",
            "standby_leader, -,      false, primary,        150004, false, host role mismatch",
            "-,              150005, false, primary,        150004, false, -",
            "-,              150004, false, primary,        150004, false, postgres version mismatch",
            "-,              150003, false, primary,        150004, false, postgres version mismatch",
            "-,              -,      true,  primary,        150004, true,  -",
            "-,              -,      true,  primary,        150004, false, pending restart flag is not set",
            "replica,        150000, true,  primary,        150004, false, host role mismatch",
            "replica,        150000, true,  replica,        150004, false, postgres version mismatch",
            "replica,        150005, true,  replica,        150004, false, pending restart flag is not set",
            "replica,        150005, true,  replica,        150004, true,  -",
    })
    void mismatchReason(String role, Integer version, boolean pending, String nodeRole, int nodeVersion,
                        boolean nodePending, String reason) {
        assertThat(new RestartConditions(role, version, pending).mismatchReason(nodeRole, nodeVersion, nodePending))
                .isEqualTo(reason);
    }
}
