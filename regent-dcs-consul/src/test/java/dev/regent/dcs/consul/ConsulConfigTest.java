package dev.regent.dcs.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni's precedence of the {@code consul} keys and its defaults. */
class ConsulConfigTest {

    @Test
    void defaultsAreTheLocalAgent() {
        ConsulConfig c = ConsulConfig.fromMap(Map.of());
        assertThat(c.base()).isEqualTo(URI.create("http://127.0.0.1:8500"));
        assertThat(c.consistency()).isEqualTo("default");
        assertThat(c.checks()).isEmpty();
        assertThat(c.registerService()).isFalse();
        assertThat(c.serviceCheckInterval()).isEqualTo("5s");
    }

    @Test
    void urlHostPortScheme() {
        assertThat(ConsulConfig.fromMap(Map.of("url", "https://consul.example:8501")).base())
                .isEqualTo(URI.create("https://consul.example:8501"));
        assertThat(ConsulConfig.fromMap(Map.of("url", "http://consul.example")).base())
                .isEqualTo(URI.create("http://consul.example:8500"));
        assertThat(ConsulConfig.fromMap(Map.of("host", "10.0.0.1:8600")).base())
                .isEqualTo(URI.create("http://10.0.0.1:8600"));
        assertThat(ConsulConfig.fromMap(Map.of("host", "10.0.0.1:8600", "port", 8700)).base())
                .as("port wins over the host's").isEqualTo(URI.create("http://10.0.0.1:8700"));
        assertThat(ConsulConfig.fromMap(Map.of("host", "10.0.0.1", "scheme", "HTTPS")).base())
                .isEqualTo(URI.create("https://10.0.0.1:8500"));
    }

    @Test
    void listsAndBooleansAsPatroniTakesThem() {
        ConsulConfig c = ConsulConfig.fromMap(Map.of("checks", "a, b", "service_tags", List.of("z", "y"),
                "register_service", "yes", "token", "t", "dc", "dc2", "consistency", "stale"));
        assertThat(c.checks()).containsExactly("a", "b");
        assertThat(c.serviceTags()).containsExactly("y", "z");
        assertThat(c.registerService()).isTrue();
        assertThat(c.token()).isEqualTo("t");
        assertThat(c.dc()).isEqualTo("dc2");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> ConsulConfig.fromMap(Map.of("consistency", "linear")))
                .hasMessageContaining("consul.consistency");
        assertThatThrownBy(() -> ConsulConfig.fromMap(Map.of("port", "eighty"))).hasMessageContaining("consul.port");
        assertThatThrownBy(() -> ConsulConfig.fromMap(Map.of("scheme", "ftp"))).hasMessageContaining("consul.scheme");
        assertThatThrownBy(() -> ConsulConfig.fromMap(Map.of("register_service", "maybe")))
                .hasMessageContaining("consul.register_service");
        assertThatThrownBy(() -> ConsulConfig.fromMap(Map.of("scheme", "https", "cacert", "/nonexistent.pem")))
                .hasMessageContaining("consul: cannot use cacert/cert/key");
    }

    @Test
    void sessionTtlFormatsAndAgentMinimum() {
        assertThat(ConsulKeyValueStore.seconds(Duration.ofSeconds(15))).isEqualTo("15s");
        assertThat(ConsulKeyValueStore.seconds(Duration.ofMillis(7500))).isEqualTo("7.5s");
        assertThat(ConsulKeyValueStore.minimumFrom("Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(ConsulKeyValueStore.minimumFrom("nonsense")).isNull();
    }
}
