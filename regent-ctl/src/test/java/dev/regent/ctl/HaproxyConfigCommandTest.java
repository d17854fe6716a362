package dev.regent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.testkit.FreePorts;
import dev.regent.testkit.HaproxyProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code regentctl haproxy-config} on the fixture's cluster, and the printed file run by a real HAProxy: routing
 * follows the members' {@code /primary} and {@code /replica} answers, and a server going down has its sessions cut.
 */
class HaproxyConfigCommandTest {
    private CtlFixture f;
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        f = new CtlFixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) c.close();
        f.close();
    }

    @Test
    void printsOneServerPerMemberThatHaproxyAccepts() {
        CtlFixture.Result r = f.run("", "haproxy-config", "--primary-port", "6000", "--replica-port", "6001",
                "--lag", "1MB");
        assertThat(r.code()).as(r.err()).isZero();
        for (String m : List.of("m1", "m2", "m3")) {
            int port = java.net.URI.create(f.members.get(m).apiUrl()).getPort();
            assertThat(r.out()).contains("    server " + m + " 127.0.0.1:" + (5431 + Integer.parseInt(m.substring(1)))
                    + " check port " + port + "\n");
        }
        assertThat(r.out()).contains("listen batman_primary\n    bind *:6000\n")
                .contains("option httpchk GET /replica?lag=1MB\n");
        HaproxyProcess.check(r.out());
    }

    @Test
    void badOptionsAreUsageErrors() {
        CtlFixture.Result r = f.run("", "haproxy-config", "--lag", "1 MB");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--lag 1 MB is not a size");
        assertThat(f.run("", "haproxy-config", "--crt", "/x.pem").err()).contains("--crt and --ca-file need HTTPS");
        assertThat(f.run("", "haproxy-config", "--primary-port", "x").err()).contains("--primary-port");
    }

    @Test
    void haproxyRoutesToThePrimaryAndCutsTheSessionsOfAServerMarkedDown() throws Exception {
        FakeMember m1 = f.members.get("m1").reply("GET /primary", 200, "").reply("GET /replica", 503, "");
        FakeMember m2 = f.members.get("m2").reply("GET /primary", 503, "").reply("GET /replica", 200, "");
        f.members.get("m3").reply("GET /primary", 503, "").reply("GET /replica", 503, "");
        // stand-ins for the three PostgreSQL servers: each says its name to whoever HAProxy sends
        for (String m : List.of("m1", "m2", "m3")) {
            f.member(m, "\"role\": \"replica\", \"state\": \"running\"", nameServer(m));
        }
        int primary = FreePorts.one();
        int replicas = FreePorts.one();
        CtlFixture.Result r = f.run("", "haproxy-config", "--bind", "127.0.0.1", "--primary-port",
                String.valueOf(primary), "--replica-port", String.valueOf(replicas));
        assertThat(r.code()).as(r.err()).isZero();
        HaproxyProcess h = HaproxyProcess.start(r.out(), primary, replicas);
        closing.add(0, h);
        try {
            routeAndCut(h, m1, m2, primary, replicas);
        } catch (IOException | AssertionError | RuntimeException e) {
            throw new AssertionError("HAProxy's output:\n" + h.logTail(40), e);
        }
    }

    private void routeAndCut(HaproxyProcess h, FakeMember m1, FakeMember m2, int primary, int replicas)
            throws IOException {
        h.awaitUp("batman_primary", Set.of("m1"), Duration.ofSeconds(30));
        h.awaitUp("batman_replicas", Set.of("m2"), Duration.ofSeconds(30));
        assertThat(m1.requests).anyMatch(q -> q.method().equals("GET") && q.path().equals("/primary"));
        assertThat(nameThrough(replicas)).isEqualTo("m2");

        try (Socket held = new Socket("127.0.0.1", primary)) {
            held.setSoTimeout(30_000);
            InputStream in = held.getInputStream();
            assertThat(readLine(in)).isEqualTo("m1");
            // a switchover as HAProxy sees it: m1 stops answering 200 on /primary, m2 starts
            m1.reply("GET /primary", 503, "");
            m2.reply("GET /primary", 200, "");
            assertThat(in.read()).as("on-marked-down shutdown-sessions closes the old primary's session").isEqualTo(-1);
        }
        h.awaitUp("batman_primary", Set.of("m2"), Duration.ofSeconds(30));
        assertThat(nameThrough(primary)).isEqualTo("m2");
    }

    /** A TCP server on a free port that writes {@code name} and a newline to every connection and keeps it open. */
    private int nameServer(String name) throws IOException {
        int port = FreePorts.one();
        ServerSocket ss = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        closing.add(ss);
        List<Socket> held = new CopyOnWriteArrayList<>();
        closing.add(() -> {
            for (Socket s : held) s.close();
        });
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                Socket s;
                try {
                    s = ss.accept();
                } catch (IOException e) {
                    return; // closed at the end of the test
                }
                held.add(s);
                try {
                    OutputStream out = s.getOutputStream();
                    out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    // a client gone already (HaproxyProcess's readiness probe is routed here too): serve the next
                }
            }
        }, "name-server-" + name);
        t.setDaemon(true);
        t.start();
        return port;
    }

    private static String nameThrough(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            return readLine(s.getInputStream());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) sb.append((char) c);
        return sb.toString();
    }
}
