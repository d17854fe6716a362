package dev.regent.testkit;

import dev.regent.dcs.tls.PemTls;
import dev.regent.time.Deadline;
import dev.regent.time.Sleeper;
import dev.regent.time.Ticker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd cluster of one or more members on free 127.0.0.1 ports, for the discovery and TLS tests: with
 * {@link TestPki} certificates the client URLs are https and etcd requires client certificates
 * ({@code --client-cert-auth}); peer traffic stays plain http. {@link #start} blocks until every member reports
 * healthy. Not thread-safe: drive it from the test thread.
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final TestPki pki;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final boolean enableV2;

    private EtcdCluster(Path dir, TestPki pki, int members, boolean enableV2) {
        this.dir = dir;
        this.pki = pki;
        this.enableV2 = enableV2;
        this.clientPorts = new int[members];
        this.peerPorts = new int[members];
        this.processes = new Process[members];
        for (int i = 0; i < members; i++) {
            clientPorts[i] = FreePorts.one();
            peerPorts[i] = FreePorts.one();
        }
    }

    /** Starts {@code members} members; {@code pki} null for plain http. */
    public static EtcdCluster start(int members, TestPki pki) {
        return start(members, pki, false);
    }

    /** As {@link #start}, the members also serving the v2 API ({@code --enable-v2}, etcd 3.4/3.5). */
    public static EtcdCluster startWithV2(int members, TestPki pki) {
        return start(members, pki, true);
    }

    private static EtcdCluster start(int members, TestPki pki, boolean enableV2) {
        try {
            EtcdCluster c = new EtcdCluster(Files.createTempDirectory("regent-etcd-cluster-"), pki, members,
                    enableV2);
            for (int i = 0; i < members; i++) c.launch(i);
            for (int i = 0; i < members; i++) c.awaitHealthy(i);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String clientUrl(int member) {
        return (pki == null ? "http" : "https") + "://127.0.0.1:" + clientPorts[member];
    }

    public String hostPort(int member) {
        return "127.0.0.1:" + clientPorts[member];
    }

    public int clientPort(int member) {
        return clientPorts[member];
    }

    public int peerPort(int member) {
        return peerPorts[member];
    }

    /** Stops a member (SIGTERM), waiting for it to exit. */
    public void stop(int member) {
        Process p = processes[member];
        if (p == null) return;
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes[member] = null;
    }

    @Override
    public void close() {
        for (int i = 0; i < processes.length; i++) stop(i);
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // best effort
        }
    }

    private String name(int member) {
        return "m" + member;
    }

    private void launch(int member) throws IOException {
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < processes.length; i++) {
            if (i > 0) initial.append(',');
            initial.append(name(i)).append("=http://127.0.0.1:").append(peerPorts[i]);
        }
        String peer = "http://127.0.0.1:" + peerPorts[member];
        List<String> cmd = new ArrayList<>(List.of("etcd", "--name", name(member),
                "--data-dir", dir.resolve(name(member)).toString(),
                "--listen-client-urls", clientUrl(member), "--advertise-client-urls", clientUrl(member),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                "--initial-cluster-token", dir.getFileName().toString(),
                "--heartbeat-interval", "50", "--election-timeout", "500"));
        if (enableV2) cmd.add("--enable-v2");
        if (pki != null) {
            cmd.addAll(List.of("--cert-file", pki.serverCert().toString(), "--key-file", pki.serverKey().toString(),
                    "--trusted-ca-file", pki.ca().toString(), "--client-cert-auth"));
        }
        processes[member] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name(member) + ".log").toFile())).start();
    }

    private void awaitHealthy(int member) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500));
        try {
            if (pki != null) b.sslContext(new PemTls(pki.ca(), pki.clientCert(), pki.clientKey(), null).sslContext());
        } catch (Exception e) {
            throw new IllegalStateException("test certificates unusable", e);
        }
        HttpClient http = b.build();
        boolean healthy;
        try {
            healthy = Deadline.after(Ticker.SYSTEM, START_TIMEOUT).await(() -> healthy(http, member),
                    Duration.ofMillis(100), Sleeper.SYSTEM);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (!healthy) {
            close();
            throw new IllegalStateException("etcd member " + member + " not healthy within " + START_TIMEOUT);
        }
    }

    private boolean healthy(HttpClient http, int member) {
        if (!processes[member].isAlive()) {
            throw new IllegalStateException("etcd member " + member + " exited: " + log(member));
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clientUrl(member) + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String log(int member) {
        try {
            return Files.readString(dir.resolve(name(member) + ".log"));
        } catch (IOException e) {
            return dir.resolve(name(member) + ".log").toString();
        }
    }
}
