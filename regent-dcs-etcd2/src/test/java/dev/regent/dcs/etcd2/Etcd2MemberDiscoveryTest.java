package dev.regent.dcs.etcd2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.testkit.FreePorts;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code use_proxies: false} (the default): a store configured with one member of a real 3-member etcd
 * cluster ({@code --enable-v2}) learns the others from {@code /v2/machines} and keeps working when that member dies;
 * with {@code use_proxies: true} it talks to the configured host only.
 */
class Etcd2MemberDiscoveryTest {
    private Path dir;
    private final List<Process> members = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();

    private void startCluster() throws Exception {
        dir = Files.createTempDirectory("regent-etcd2-cluster-");
        List<Integer> peerPorts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clientPorts.add(FreePorts.one());
            peerPorts.add(FreePorts.one());
        }
        String initial = IntStream.range(0, 3).mapToObj(i -> "m" + i + "=http://127.0.0.1:" + peerPorts.get(i))
                .collect(Collectors.joining(","));
        for (int i = 0; i < 3; i++) {
            String client = "http://127.0.0.1:" + clientPorts.get(i);
            String peer = "http://127.0.0.1:" + peerPorts.get(i);
            members.add(new ProcessBuilder("etcd", "--enable-v2", "--name", "m" + i, "--data-dir",
                    dir.resolve("m" + i).toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", initial,
                    "--heartbeat-interval", "50", "--election-timeout", "500").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("m" + i + ".log").toFile()).start());
        }
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : clientPorts) {
            while (true) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/health")).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("true")) break;
                } catch (java.io.IOException notYet) {
                    // not listening yet
                }
                assertThat(System.nanoTime()).as("etcd member on %d healthy within 30 s", port).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : members) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        if (dir == null) return;
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    @Test
    void theOtherMembersAreFoundAndUsedWhenTheConfiguredOneDies() throws Exception {
        startCluster();
        String first = "127.0.0.1:" + clientPorts.get(0);
        Etcd2KeyValueStore discovering = Etcd2KeyValueStore.fromConfig(Map.of("host", first),
                Duration.ofSeconds(2), Duration.ofSeconds(5));
        Etcd2KeyValueStore proxied = Etcd2KeyValueStore.fromConfig(Map.of("host", first, "use_proxies", true),
                Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(discovering.create("/discovery/config", "{}", false)).isTrue();
        assertThat(proxied.getPrefix("/discovery/")).extracting(KeyValue::value).containsExactly("{}");
        members.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(discovering.getPrefix("/discovery/")).extracting(KeyValue::value).containsExactly("{}");
        assertThat(discovering.create("/discovery/leader", "pg0", true)).isTrue();
        assertThatThrownBy(() -> proxied.getPrefix("/discovery/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("[http://" + first + "]");
    }
}
