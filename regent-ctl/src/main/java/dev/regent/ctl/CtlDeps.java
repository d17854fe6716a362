package dev.regent.ctl;

import dev.regent.daemon.wiring.DcsStores;
import dev.regent.dcs.KeyValueStore;
import dev.regent.dcs.raft.RaftKeyValueStore;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Map;

/**
 * What regentctl takes from the outside world, injectable for tests: how to open the DCS store, the time (waits and
 * printed timestamps) and how to sleep (watch and wait loops).
 *
 * @param stores  opens the key-value store of the configured DCS
 * @param ticker  monotonic time of waits, wall time of printed timestamps (in the local time zone)
 * @param sleeper sleeps between refreshes; an interrupt ends a watch loop like Ctrl-C
 */
public record CtlDeps(StoreFactory stores, Ticker ticker, Sleeper sleeper) {

    /** Opens the configured DCS. */
    @FunctionalInterface
    public interface StoreFactory {
        KeyValueStore open(CtlConfig config);
    }

    /** The real world: the daemon's DCS factory, the system clocks, {@link Thread#sleep}. */
    public static CtlDeps real() {
        return new CtlDeps(c -> openStore(c, Ticker.SYSTEM, Sleeper.SYSTEM), Ticker.SYSTEM, Sleeper.SYSTEM);
    }

    /** Local wall time (the JVM's time zone) for printed timestamps. */
    public LocalDateTime now() {
        return LocalDateTime.ofInstant(ticker.wallInstant(), ZoneId.systemDefault());
    }

    /**
     * Opens the store with the daemon's factory ({@link DcsStores}); only the DCS section matters to it. On Raft,
     * regentctl never votes: like patronictl it drops {@code self_addr} and talks to it as one more partner.
     */
    static KeyValueStore openStore(CtlConfig c, Ticker ticker, Sleeper sleeper) {
        if (c.dcsType() == null) {
            throw new CtlException("no DCS is configured: use -c/--config-file, -d/--dcs-url or PATRONI_* variables");
        }
        Map<String, Object> section = c.dcsSection();
        if ("raft".equals(c.dcsType())) section = asRaftClient(section);
        try {
            return DcsStores.open(c.dcsType(), section, Duration.ofSeconds(30), Duration.ofSeconds(5), ticker, sleeper);
        } catch (RuntimeException e) {
            throw new CtlException("cannot open the DCS (" + c.dcsType() + "): " + CtlConfig.oneLine(e.getMessage()));
        }
    }

    static Map<String, Object> asRaftClient(Map<String, Object> raft) {
        Map<String, Object> client = new java.util.LinkedHashMap<>(raft);
        Object self = client.remove("self_addr");
        client.remove("bind_addr");
        client.remove("data_dir");
        java.util.List<String> partners =
                new java.util.ArrayList<>(RaftKeyValueStore.partners(raft.get("partner_addrs")));
        if (self != null && !partners.contains(self.toString())) partners.add(self.toString());
        client.put("partner_addrs", partners);
        return client;
    }

    /** For watch loops: sleeps, and reports an interrupt as "stop". */
    public boolean pause(Duration d) {
        try {
            sleeper.sleep(d);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
