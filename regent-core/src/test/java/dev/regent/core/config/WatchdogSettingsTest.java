package dev.regent.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.WatchdogSettings.Mode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni's watchdog configuration: modes and aliases, the device, the timeout from ttl and safety_margin. */
class WatchdogSettingsTest {
    @Test
    void modesAndAliasesAsPatroni() {
        assertThat(WatchdogSettings.parseMode(null)).isEqualTo(Mode.AUTOMATIC);
        assertThat(WatchdogSettings.parseMode("automatic")).isEqualTo(Mode.AUTOMATIC);
        assertThat(WatchdogSettings.parseMode("auto")).isEqualTo(Mode.AUTOMATIC);
        assertThat(WatchdogSettings.parseMode("Required")).isEqualTo(Mode.REQUIRED);
        assertThat(WatchdogSettings.parseMode("require")).isEqualTo(Mode.REQUIRED);
        assertThat(WatchdogSettings.parseMode(false)).as("YAML off").isEqualTo(Mode.OFF);
        assertThat(WatchdogSettings.parseMode("off")).isEqualTo(Mode.OFF);
        assertThat(WatchdogSettings.parseMode("disabled")).isEqualTo(Mode.OFF);
    }

    @Test
    void timeoutIsTtlMinusTheSafetyMarginOrHalfTheTtl() {
        WatchdogSettings absent = WatchdogSettings.from(null);
        assertThat(absent).isEqualTo(new WatchdogSettings(Mode.AUTOMATIC, "/dev/watchdog", 5, null));
        assertThat(absent.timeoutSeconds(30)).isEqualTo(25);
        assertThat(absent.timingSlack(30, 10)).isEqualTo(15);
        WatchdogSettings half = WatchdogSettings.from(Map.of("mode", "required", "device", "/dev/watchdog1",
                "safety_margin", -1));
        assertThat(half.mode()).isEqualTo(Mode.REQUIRED);
        assertThat(half.device()).isEqualTo("/dev/watchdog1");
        assertThat(half.timeoutSeconds(30)).isEqualTo(15);
        assertThat(half.timingSlack(20, 12)).as("unsafe: the watchdog would fire between two keepalives").isNegative();
        assertThat(WatchdogSettings.from(Map.of("driver", "testing")).driver()).isEqualTo("testing");
    }
}
