package dev.regent.daemon;

import java.util.List;

/**
 * The JVM flags a Regent node runs with (keep in step with {@code bin/regent}). An HA agent is idle nearly all the
 * time: SerialGC, a small heap, the C1 compiler only, a small code cache and one compiler thread keep its resident
 * size near Patroni's (see README, "Memory and JVM flags").
 */
public final class JvmFlags {
    /** Flags for a node process. */
    public static final List<String> NODE = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx48m", "-Xss512k",
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=16m", "-XX:MaxMetaspaceSize=96m",
            "-XX:CICompilerCount=1", "-XX:+ExitOnOutOfMemoryError");

    /**
     * Environment for a node process: glibc creates a malloc arena per thread (up to 8 per core), each keeping
     * megabytes resident; two arenas are plenty for an agent that is idle nearly all the time.
     */
    public static final java.util.Map<String, String> NODE_ENV = java.util.Map.of("MALLOC_ARENA_MAX", "2");

    private JvmFlags() {}
}
