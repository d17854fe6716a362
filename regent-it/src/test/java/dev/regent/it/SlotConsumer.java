package dev.regent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real replication slot consumer from the PostgreSQL package ({@code pg_recvlogical} or {@code pg_receivewal}, from
 * {@code pg_config --bindir}), connected as a user would connect it to a Patroni cluster: a libpq multi-host
 * connection string over every node with {@code target_session_attrs=read-write}, so that when its connection breaks
 * it reconnects (both tools retry every 5 s) to whichever node is the primary now, with the same slot. Its standard
 * error goes to a file next to its output, for failure messages. {@link #close} stops it.
 */
final class SlotConsumer implements AutoCloseable {
    private final Process process;
    private final Path stderr;

    private SlotConsumer(List<String> command, String password, Path stderr) throws IOException {
        this.stderr = stderr;
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PGPASSWORD", password);
        pb.environment().put("PGCONNECT_TIMEOUT", "2");
        this.process = pb.start();
    }

    /** The multi-host libpq connection string over every node of {@code cluster}, primary only. */
    static String primaryConninfo(LocalCluster cluster, int size, String user, String dbname) {
        String hosts = IntStream.range(0, size).mapToObj(i -> "127.0.0.1").collect(Collectors.joining(","));
        String ports = IntStream.range(0, size).mapToObj(i -> Integer.toString(cluster.layout().pgPort(i)))
                .collect(Collectors.joining(","));
        return "host=" + hosts + " port=" + ports + " user=" + user + (dbname == null ? "" : " dbname=" + dbname)
                + " target_session_attrs=read-write";
    }

    /**
     * {@code pg_recvlogical --start} on {@code slot}, writing every change to {@code out}; it confirms what it wrote
     * at once ({@code -F 0}) and reports every second ({@code -s 1}), so the slot follows it closely.
     */
    static SlotConsumer logical(String conninfo, String password, String slot, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FeatureSteps.pgBin("pg_recvlogical"), "-d", conninfo, "-S", slot,
                "--start", "-f", out.toString(), "-F", "0", "-s", "1", "-v"));
        return new SlotConsumer(cmd, password, out.resolveSibling(out.getFileName() + ".stderr"));
    }

    /** {@code pg_receivewal} on the physical {@code slot} into {@code dir}, flushing and reporting every write. */
    static SlotConsumer physical(String conninfo, String password, String slot, Path dir) throws Exception {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(FeatureSteps.pgBin("pg_receivewal"), "-d", conninfo, "-S", slot,
                "-D", dir.toString(), "--synchronous", "-s", "1", "-v"));
        return new SlotConsumer(cmd, password, dir.resolveSibling(dir.getFileName() + ".stderr"));
    }

    /** SIGSTOP or SIGCONT: a consumer that is slow to come back, so the slots can be looked at before it does. */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The consumer's own messages (connections, errors, retries). */
    String log() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        signal("CONT");
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
