package dev.regent.testkit;

import dev.regent.time.Sleeper;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dnsmasq (Debian's {@code dnsmasq-base}) serving SRV records on a free high port of 127.0.0.1, no root
 * needed: no upstream, no hosts file, names under {@code .test} answered locally (unknown ones get NXDOMAIN). Not
 * thread-safe.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private Dnsmasq(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts dnsmasq with {@code srvHosts} entries ({@code name,target,port} as dnsmasq's {@code --srv-host}) and
     * waits until it listens.
     */
    public static Dnsmasq start(Path dir, List<String> srvHosts) throws IOException, InterruptedException {
        int port = freeUdpAndTcpPort();
        Path log = dir.resolve("dnsmasq.log");
        List<String> cmd = new ArrayList<>(List.of(binary(), "--keep-in-foreground", "--port=" + port,
                "--no-resolv", "--no-hosts", "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
                "--log-facility=-", "--local=/test/"));
        // as root dnsmasq changes to its own user, which dnsmasq-base does not create
        if ("root".equals(System.getProperty("user.name"))) cmd.addAll(List.of("--user=nobody", "--group=nogroup"));
        for (String s : srvHosts) cmd.add("--srv-host=" + s);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Dnsmasq d = new Dnsmasq(p, port, log);
        for (int i = 0; i < 100 && !Files.readString(log).contains("started"); i++) {
            if (!p.isAlive()) throw new IllegalStateException("dnsmasq exited: " + Files.readString(log));
            Sleeper.SYSTEM.sleep(Duration.ofMillis(50));
        }
        if (!Files.readString(log).contains("started")) {
            d.close();
            throw new IllegalStateException("dnsmasq did not start: " + Files.readString(log));
        }
        return d;
    }

    /** The JNDI DNS URL of this server, for {@code regent.dns.server}. */
    public String url() {
        return "dns://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String binary() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "")
                .split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String d : dirs) {
            Path p = Path.of(d, "dnsmasq");
            if (Files.isExecutable(p)) return p.toString();
        }
        throw new IllegalStateException("dnsmasq not found; install it with: apt-get install -y dnsmasq-base");
    }

    /** A {@link FreePorts} port whose UDP side is free too (dnsmasq listens on both). */
    private static int freeUdpAndTcpPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = FreePorts.one();
            try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // the UDP port is in use: try another
            }
        }
        throw new IllegalStateException("no free port for dnsmasq");
    }
}
