package dev.regent.dcs.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.testkit.ManualTicker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The etcd client's retries run on its injected time: a whole retry_timeout of an outage passes in no real time. */
class EtcdRetryPolicyTest {
    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void unreachableHostsAreRetriedInRoundsUntilRetryTimeoutOnTheInjectedTicker() throws Exception {
        String hosts = "127.0.0.1:" + deadPort() + ",127.0.0.1:" + deadPort();
        ManualTicker time = new ManualTicker();
        EtcdKeyValueStore store = new EtcdKeyValueStore(EtcdConfig.fromMap(Map.of("hosts", hosts)),
                Duration.ofSeconds(30), Duration.ofSeconds(10), time, time);
        long realStart = System.nanoTime();
        assertThatThrownBy(() -> store.getPrefix("/service/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("etcd not reachable within retry_timeout PT10S")
                .hasMessageContaining("last error: http://127.0.0.1:");
        // refused connections fail at once: both hosts per round, then 200 ms, until the 10 s are spent
        assertThat(time.sleeps()).hasSize(50).containsOnly(Duration.ofMillis(200));
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - realStart)).isLessThan(Duration.ofSeconds(8));
    }

    @Test
    void policyFollowsTheRetryTimeout() {
        EtcdHttp http = new EtcdHttp(EtcdConfig.fromMap(Map.of("hosts", "a:2379,b:2379,c:2379")),
                Duration.ofSeconds(10), new ManualTicker(), new ManualTicker());
        var p = http.retryPolicy();
        assertThat(p.budget()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.roundSize()).isEqualTo(3);
        assertThat(p.backoff()).isEqualTo(Duration.ofMillis(200));
        // a third of the budget per request, within 1..5 s, shortened to what is left but not below 1 s
        assertThat(p.attemptTimeout(Duration.ofSeconds(10))).isEqualTo(Duration.ofMillis(3333));
        assertThat(p.attemptTimeout(Duration.ofMillis(2500))).isEqualTo(Duration.ofMillis(2500));
        assertThat(p.attemptTimeout(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(1));
        http.setRetryTimeout(Duration.ofSeconds(60));
        assertThat(http.retryPolicy().attemptTimeout(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(5));
    }
}
