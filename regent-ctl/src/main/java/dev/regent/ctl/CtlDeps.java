package dev.regent.ctl;

import dev.regent.core.config.NodeConfig;
import dev.regent.daemon.wiring.Daemon;
import dev.regent.dcs.KeyValueStore;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What regentctl takes from the outside world, injectable for tests: how to open the DCS store, how to sleep
 * (watch and wait loops), and the local wall clock for printed timestamps.
 *
 * @param stores opens the key-value store of the configured DCS
 * @param sleeper sleeps between refreshes; an interrupt ends a watch loop like Ctrl-C
 * @param now local wall time
 */
public record CtlDeps(StoreFactory stores, Sleeper sleeper, Supplier<LocalDateTime> now) {

    /** Opens the configured DCS. */
    @FunctionalInterface
    public interface StoreFactory {
        KeyValueStore open(CtlConfig config);
    }

    /** Blocks for a duration. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** The real world: the daemon's DCS factory, {@link Thread#sleep}, the system clock. */
    public static CtlDeps real() {
        return new CtlDeps(CtlDeps::openStore, d -> Thread.sleep(d.toMillis()), LocalDateTime::now);
    }

    /** Opens the store with the daemon's factory ({@link Daemon#store}); only the DCS section matters to it. */
    static KeyValueStore openStore(CtlConfig c) {
        if (c.dcsType() == null) {
            throw new CtlException("no DCS is configured: use -c/--config-file, -d/--dcs-url or PATRONI_* variables");
        }
        NodeConfig node = new NodeConfig("regentctl", c.scope(), c.namespace(), null,
                new NodeConfig.DcsConfig(c.dcsType(), c.dcsSection()), null, null, Map.of(), null,
                NodeConfig.Credentials.NONE, Map.of());
        try {
            return Daemon.store(node, 30, 5);
        } catch (RuntimeException e) {
            throw new CtlException("cannot open the DCS (" + c.dcsType() + "): " + CtlConfig.oneLine(e.getMessage()));
        }
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
