package dev.regent.dcs.zookeeper;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * Persistent recursive watches, one per watched prefix and session, counting the changes under each prefix and the
 * connection events (lost, suspended, reconnected) of the store; every event bumps {@link #signal()}. Thread-safe.
 */
final class Watches {
    private final ChangeSignal signal = new ChangeSignal();
    private final AtomicLong connectionEvents = new AtomicLong();
    private final Map<String, PrefixWatch> byPrefix = new ConcurrentHashMap<>();

    private final class PrefixWatch implements Watcher {
        final String prefix;
        final AtomicLong changes = new AtomicLong();
        volatile long session;  // the session the watch was set on; 0 = none yet

        PrefixWatch(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void process(WatchedEvent event) {
            if (event.getType() == Event.EventType.None || !Paths.matches(prefix, event.getPath())) return;
            changes.incrementAndGet();
            signal.bump();
        }
    }

    ChangeSignal signal() {
        return signal;
    }

    /** A connection event: wakes every waiter (Patroni's session listener wakes the loop so). */
    void connectionChanged() {
        connectionEvents.incrementAndGet();
        signal.bump();
    }

    /** Changes under {@code prefix} plus connection events so far; a waiter compares it before and after. */
    long events(String prefix) {
        PrefixWatch w = byPrefix.get(prefix);
        return connectionEvents.get() + (w == null ? 0 : w.changes.get());
    }

    /** Sets the watch for {@code prefix} on the session of {@code client} unless it is set there already. */
    void ensure(CuratorFramework client, String prefix) throws Exception {
        PrefixWatch w = byPrefix.computeIfAbsent(prefix, PrefixWatch::new);
        long session = SessionHolder.sessionOf(client);
        if (session != 0 && w.session == session) return;
        String znode = Paths.split(prefix).parent();
        client.watchers().add().withMode(AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(w).forPath(znode);
        w.session = SessionHolder.sessionOf(client);
    }
}
