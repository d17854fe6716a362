package dev.regent.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One Regent daemon run as a separate JVM process (like {@code bin/regent CONFIG}), so that {@code kill -9} and
 * crashes are real. Output goes to {@code <dir>/regent.log}. Not thread-safe.
 */
public final class RegentNode extends ManagedProcess {
    /**
     * Environment of every daemon this JVM starts, also those a test makes itself (a cluster on Kubernetes puts
     * {@code KUBECONFIG} here, as a Pod's environment would hold the API server's address).
     */
    static final java.util.Map<String, String> SHARED_ENV = new java.util.concurrent.ConcurrentHashMap<>();
    private final String name;
    private final Path config;
    private DaemonClassArchive.Launch launch;
    /** Flags for this node only, after the shared ones (a later flag wins in HotSpot). */
    private final List<String> ownJvmFlags = new ArrayList<>();

    public RegentNode(String name, Path config, Path log) {
        super(log);
        this.name = name;
        this.config = config;
    }

    public String name() {
        return name;
    }

    /**
     * Extra JVM flags for this node only, from its next {@link #start()} on (e.g. {@code
     * -XX:NativeMemoryTracking=summary} for one node whose memory a benchmark breaks down); they come after the
     * shared flags and {@code -Dregent.it.daemon.jvm.opts}, so they win where they repeat one.
     */
    public void addJvmFlags(String... flags) {
        ownJvmFlags.addAll(List.of(flags));
    }

    /**
     * The flags after the shared ones: {@code -Dregent.it.daemon.jvm.opts="..."} (extra flags for every daemon, e.g.
     * to profile a test run with JFR), then this node's own ({@link #addJvmFlags}).
     */
    List<String> extraJvmFlags() {
        List<String> flags = new ArrayList<>();
        String extra = System.getProperty("regent.it.daemon.jvm.opts", "").trim();
        if (!extra.isEmpty()) flags.addAll(List.of(extra.split("\\s+")));
        flags.addAll(ownJvmFlags);
        return flags;
    }

    /** The daemon with the current JVM's classpath and small-footprint flags. */
    @Override
    ProcessBuilder command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(dev.regent.daemon.JvmFlags.NODE);
        launch = DaemonClassArchive.launch();
        cmd.addAll(launch.flags());
        cmd.addAll(extraJvmFlags());
        cmd.add("-cp");
        cmd.add(DaemonClassArchive.classPath());
        cmd.add("dev.regent.daemon.Main");
        cmd.add(config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(dev.regent.daemon.JvmFlags.NODE_ENV);
        pb.environment().putAll(SHARED_ENV);
        return pb;
    }

    @Override
    void started(Process process) {
        DaemonClassArchive.started(launch, process);
    }

    @Override
    public String toString() {
        return name + " (" + config + ")";
    }
}
