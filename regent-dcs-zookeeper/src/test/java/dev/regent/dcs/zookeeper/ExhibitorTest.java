package dev.regent.dcs.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.regent.dcs.DcsException;
import dev.regent.dcs.KeyValue;
import dev.regent.dcs.KeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code exhibitor} section against two real ZooKeeper servers and a small HTTP server answering Exhibitor's
 * {@code /exhibitor/v1/cluster/list} with its documented JSON ({@code {"servers": [...], "port": N}}).
 */
class ExhibitorTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer exhibitor;

    @AfterEach
    void closeAll() throws Exception {
        if (exhibitor != null) exhibitor.stop(0);
        for (AutoCloseable c : toClose) c.close();
    }

    private <T extends AutoCloseable> T closing(T t) {
        toClose.add(0, t);
        return t;
    }

    private int startExhibitor() throws Exception {
        exhibitor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        exhibitor.createContext(ExhibitorEnsemble.PATH, ex -> {
            requests.incrementAndGet();
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        exhibitor.start();
        return exhibitor.getAddress().getPort();
    }

    private static String list(ZooKeeperTestServer zk) {
        return "{\"servers\":[\"127.0.0.1\"],\"port\":" + zk.hostPort().split(":")[1] + "}";
    }

    private static String config(KeyValueStore store) throws DcsException {
        return store.getPrefix("/service/batman/").stream().filter(kv -> kv.key().endsWith("/config"))
                .map(KeyValue::value).findFirst().orElse(null);
    }

    @Test
    void theEnsembleComesFromExhibitorAndFollowsAChange() throws Exception {
        ZooKeeperTestServer a = closing(ZooKeeperTestServer.start());
        ZooKeeperTestServer b = closing(ZooKeeperTestServer.start());
        for (ZooKeeperTestServer zk : List.of(a, b)) {
            try (KeyValueStore direct = ZooKeeperKeyValueStore.fromConfig(Map.of("hosts", zk.hostPort()),
                    Duration.ofSeconds(4), Duration.ofSeconds(3), Ticker.SYSTEM, Sleeper.SYSTEM)) {
                direct.put("/service/batman/config", zk == a ? "{\"on\":\"a\"}" : "{\"on\":\"b\"}", false);
            }
        }
        answer.set(list(a));
        int port = startExhibitor();
        ZooKeeperKeyValueStore store = closing(ZooKeeperKeyValueStore.fromExhibitorConfig(Map.of("hosts",
                List.of("127.0.0.1"), "port", port, "poll_interval", 1), Duration.ofSeconds(4), Duration.ofSeconds(3),
                Ticker.SYSTEM, Sleeper.SYSTEM));
        assertThat(config(store)).isEqualTo("{\"on\":\"a\"}");
        assertThat(requests.get()).isEqualTo(1);
        config(store);
        assertThat(requests.get()).as("not asked again within poll_interval").isEqualTo(1);

        answer.set(list(b));  // the ensemble moved to b
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String seen = null;
        while (System.nanoTime() < deadline && !"{\"on\":\"b\"}".equals(seen)) {
            Thread.sleep(200);
            try {
                seen = config(store);
            } catch (DcsException e) {
                seen = null;  // moving to a server that does not know the session: a new one is opened
            }
        }
        assertThat(seen).as("reads come from the new ensemble").isEqualTo("{\"on\":\"b\"}");
        assertThat(requests.get()).isGreaterThan(1);
        a.stop();
        assertThat(config(store)).as("the old server is not needed any more").isEqualTo("{\"on\":\"b\"}");
    }

    @Test
    void noExhibitorAnswerIsADcsExceptionNamingIt() throws Exception {
        answer.set("{\"no\":\"servers\"}");
        int port = startExhibitor();
        ZooKeeperKeyValueStore store = closing(ZooKeeperKeyValueStore.fromExhibitorConfig(Map.of("hosts",
                "127.0.0.1", "port", port), Duration.ofSeconds(4), Duration.ofSeconds(2), Ticker.SYSTEM,
                Sleeper.SYSTEM));
        assertThatThrownBy(() -> store.getPrefix("/service/")).isInstanceOf(DcsException.class)
                .hasMessageContaining("no ZooKeeper servers known yet: Exhibitor [127.0.0.1] (port " + port
                        + ") did not answer");
    }

    @Test
    void badSectionsNameTheKey() {
        assertThatThrownBy(() -> ExhibitorEnsemble.fromConfig(Map.of("hosts", List.of("ex1")), Ticker.SYSTEM))
                .hasMessage("exhibitor.port is required");
        assertThatThrownBy(() -> ExhibitorEnsemble.fromConfig(Map.of("port", 8181), Ticker.SYSTEM))
                .hasMessage("exhibitor.hosts is required");
        assertThatThrownBy(() -> ExhibitorEnsemble.fromConfig(Map.of("hosts", List.of("ex1"), "port", 8181,
                "poll_interval", "soon"), Ticker.SYSTEM))
                .hasMessage("exhibitor.poll_interval must be an integer from 1 to 2147483647, not 'soon'");
        assertThatThrownBy(() -> ZooKeeperKeyValueStore.fromExhibitorConfig(Map.of("hosts", List.of("ex1"),
                "port", 8181, "use_ssl", true, "cert", "/nonexistent.pem"), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Ticker.SYSTEM, Sleeper.SYSTEM))
                .hasMessage("exhibitor.cert: cannot read /nonexistent.pem");
    }
}
