package dev.regent.daemon.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which store a section opens, and that a store's client library is loaded only when that store is configured. */
class DcsStoresTest {

    /** Loads the application's classes itself (not from the test's loader), and tells which it has loaded. */
    private static final class Probe extends URLClassLoader {
        Probe() {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }

        private static URL[] classPath() {
            return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(p -> {
                try {
                    return new File(p).toURI().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new);
        }
    }

    private static Object open(Probe probe, String type, Map<String, Object> section) throws Exception {
        Class<?> stores = probe.loadClass(DcsStores.class.getName());
        Method open = stores.getMethod("open", String.class, Map.class, Duration.class, Duration.class);
        return open.invoke(null, type, section, Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    private static void close(Object store) throws Exception {
        store.getClass().getMethod("close").invoke(store);
    }

    @Test
    void aNodeOnEtcdNeverLoadsTheZooKeeperOrRaftClients() throws Exception {
        try (Probe probe = new Probe()) {
            Object etcd = open(probe, "etcd3", Map.of("hosts", "127.0.0.1:2379"));
            assertThat(etcd.getClass().getName()).isEqualTo("dev.regent.dcs.etcd.EtcdKeyValueStore");
            assertThat(probe.loaded("dev.regent.dcs.etcd.EtcdKeyValueStore")).as("the probe sees loads").isTrue();
            assertThat(probe.loaded("dev.regent.dcs.zookeeper.ZooKeeperKeyValueStore")).isFalse();
            assertThat(probe.loaded("org.apache.curator.framework.CuratorFramework")).isFalse();
            assertThat(probe.loaded("org.apache.zookeeper.ZooKeeper")).isFalse();
            assertThat(probe.loaded("org.apache.ratis.client.RaftClient")).isFalse();
            close(etcd);

            // the same factory opens ZooKeeper when configured (the client connects lazily: no server needed here)
            Object zk = open(probe, "zookeeper", Map.of("hosts", "127.0.0.1:2181"));
            assertThat(zk.getClass().getName()).isEqualTo("dev.regent.dcs.zookeeper.ZooKeeperKeyValueStore");
            close(zk);
        }
    }

    @Test
    void anUnsupportedSectionIsRefusedByName() {
        assertThatThrownBy(() -> DcsStores.open("doozerd", Map.of(), Duration.ofSeconds(30), Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DCS section 'doozerd'");
    }

    @Test
    void aBadZooKeeperSectionNamesTheKey() {
        assertThatThrownBy(() -> DcsStores.open("zookeeper", Map.of("hosts", 7), Duration.ofSeconds(30),
                Duration.ofSeconds(10))).hasMessage("zookeeper.hosts must be a list or a comma-separated string");
    }

    @Test
    void consulIsOpenedOnlyWhenConfigured() throws Exception {
        try (Probe probe = new Probe()) {
            Object etcd = open(probe, "etcd3", Map.of("hosts", "127.0.0.1:2379"));
            assertThat(probe.loaded("dev.regent.dcs.consul.ConsulKeyValueStore")).isFalse();
            close(etcd);
            // the Consul store talks to its agent lazily: no agent needed to open it
            Object consul = open(probe, "consul", Map.of("host", "127.0.0.1:8500", "register_service", true));
            assertThat(consul.getClass().getName()).isEqualTo("dev.regent.dcs.consul.ConsulKeyValueStore");
            close(consul);
        }
    }
}
