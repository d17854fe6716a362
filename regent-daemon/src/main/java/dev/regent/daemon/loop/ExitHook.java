package dev.regent.daemon.loop;

import dev.regent.daemon.log.PatroniLevels;
import org.slf4j.LoggerFactory;

/**
 * What the executor does with a {@code FatalExit} decision. Production logs the reason at CRITICAL and halts the JVM
 * with exit code 1, leaving postgres and the DCS as they are (Patroni's {@code sys.exit(1)}); a simulator records the
 * exit and stops the simulated daemon instead.
 */
@FunctionalInterface
public interface ExitHook {
    /** Log CRITICAL, then {@link Runtime#halt(int) halt} with status 1: shutdown hooks must not touch postgres. */
    ExitHook HALT = reason -> {
        LoggerFactory.getLogger(ActionExecutor.class).error(PatroniLevels.CRITICAL, "{}", reason);
        dev.regent.daemon.log.LogSetup.flushGlobal(); // halt runs no shutdown hook: write the queued lines first
        Runtime.getRuntime().halt(1);
    };

    /** Terminate this daemon because of {@code reason}. May return (in a simulation); the action then counts failed. */
    void exit(String reason);
}
