package dev.regent.sim;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Entry point for one simulated run; the shell's logging is turned off (the trace tells the story, faster). */
public final class Simulation {
    static {
        quietLogging();
    }

    private Simulation() {}

    /** Runs seed {@code seed} with {@code nodes} nodes and the given mutant planted (NONE: the real decider). */
    public static SimCluster.Result run(long seed, int nodes, Mutant mutant) {
        return run(seed, nodes, mutant, "mixed");
    }

    /**
     * Runs seed {@code seed} in synchronous_mode {@code sync} ({@code off}, {@code on}, {@code quorum}, or
     * {@code mixed}: taken from the seed, one third each).
     */
    public static SimCluster.Result run(long seed, int nodes, Mutant mutant, String sync) {
        return run(seed, nodes, mutant, sync, "standard");
    }

    /**
     * Runs seed {@code seed} with the timing profile {@code profile}: {@code standard} (ttl 30, loop_wait 10,
     * retry_timeout 10) or {@code fast} (Regent's fast failover profile: 6, 1, 2; see {@link SimTimings}).
     */
    public static SimCluster.Result run(long seed, int nodes, Mutant mutant, String sync, String profile) {
        return run(seed, nodes, mutant, sync, profile, false);
    }

    /**
     * As above; {@code loseInitializeAnswer}: the bootstrap race's winning create of {@code initialize} applies but
     * answers with an error ({@link SimCluster#loseTheInitializeRaceAnswer}).
     */
    public static SimCluster.Result run(long seed, int nodes, Mutant mutant, String sync, String profile,
                                        boolean loseInitializeAnswer) {
        SimCluster c = new SimCluster(seed, nodes, mutant, sync, SimTimings.byName(profile), ShellDaemon::new);
        if (loseInitializeAnswer) c.loseTheInitializeRaceAnswer();
        return c.run();
    }

    /**
     * Logback root at OFF: the shell logs every cycle, which would dominate the cost of a run. The simulator's own
     * configuration is chosen before logback starts (unless one is given), so that the daemon's {@code logback.xml}
     * files on the classpath are not read at all.
     */
    public static void quietLogging() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "regent-sim-logback.xml");
        }
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof Logger logback) logback.setLevel(Level.OFF);
    }
}
