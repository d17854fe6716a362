package dev.regent.daemon.rest;

import dev.regent.core.model.ClusterView;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark (not a test): serves a primary snapshot on 127.0.0.1 and hammers {@code GET /primary} from N client
 * threads, each on one keep-alive connection, for a few seconds; prints requests/s and p50/p99 latency.
 * Usage: {@code RestBench [clients=4] [seconds=5]}. Bounded in time; loopback only.
 */
public final class RestBench {
    private RestBench() {}

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long far = Long.MAX_VALUE / 2;
        NodeStatus status = NodeStatus.builder("batman", "pg0").state("running").role("primary")
                .pg(new NodeStatus.PgDetails(java.time.Instant.now(), 150004, false, 50331744L, null, null, null,
                        false, null, 2, null, null))
                .leaderLock(true, far).cluster(ClusterView.empty(), far).nextCycleAt(far).build();
        try (RestApiServer server = new RestApiServer(RestApiServer.Options.of("127.0.0.1:0"), () -> status,
                new UnsupportedControl())) {
            server.start();
            run(server.port(), clients, 1, false); // warm-up
            run(server.port(), clients, seconds, true);
        }
    }

    private static void run(int port, int clients, int seconds, boolean print) throws Exception {
        long[][] latencies = new long[clients][];
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(clients);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int i = 0; i < clients; i++) {
            int idx = i;
            Thread t = new Thread(() -> {
                try {
                    latencies[idx] = hammer(port, end, errors);
                } catch (IOException e) {
                    errors.incrementAndGet();
                    latencies[idx] = new long[0];
                } finally {
                    done.countDown();
                }
            });
            t.start();
        }
        done.await();
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        if (!print) return;
        System.out.printf("GET /primary: %d clients, %d s, %d requests, %.0f req/s, p50 %.3f ms, p99 %.3f ms, "
                        + "max %.3f ms, errors %d%n", clients, seconds, all.length, all.length / (double) seconds,
                pct(all, 0.50), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, errors.get());
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, p * sorted.length)] / 1e6;
    }

    private static long[] hammer(int port, long end, AtomicLong errors) throws IOException {
        byte[] request = "GET /primary HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long[] lat = new long[1 << 16];
        int n = 0;
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                out.write(request);
                out.flush();
                if (readResponse(in) != 200) errors.incrementAndGet();
                if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                lat[n++] = System.nanoTime() - t0;
            }
        }
        return Arrays.copyOf(lat, n);
    }

    /** Reads one response (status line, headers, Content-Length body); returns the status code. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        int code = Integer.parseInt(statusLine.substring(9, 12));
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        if (in.readNBytes(length).length != length) throw new IOException("short body");
        return code;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw new IOException("connection closed");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }

    /** The benchmark only reads health checks; writes are not wired. */
    private static final class UnsupportedControl implements NodeControl {
        @Override public ClusterView readCluster() { return ClusterView.empty(); }
        @Override public boolean patchConfig(String json, long v) { return false; }
        @Override public boolean putConfig(String json) { return false; }
        @Override public boolean writeFailover(dev.regent.core.model.Failover f, java.time.ZoneOffset o, Long v) {
            return false;
        }
        @Override public boolean clearFailover(long v) { return false; }
        @Override public ClusterView awaitLeaderChange(String p, java.time.Duration d) { return ClusterView.empty(); }
        @Override public java.util.List<dev.regent.core.ha.PeerStatus> fetchPeerStatuses(
                java.util.List<dev.regent.core.model.Member> m) { return java.util.List.of(); }
        @Override public RestartResult requestRestart(RestartRequest r) { return new RestartResult(false, "n/a"); }
        @Override public boolean scheduleRestart(RestartRequest r) { return false; }
        @Override public boolean cancelScheduledRestart() { return false; }
        @Override public void requestReload() { }
        @Override public String requestReinitialize(boolean f, boolean l) { return "not supported"; }
        @Override public void wakeUp() { }
    }
}
