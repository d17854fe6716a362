package dev.regent.daemon.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Oversized bodies and slow or idle clients against the real {@link RestApiServer}: a 413 reaches a client that
 * writes its whole body before reading, and clients that connect and say nothing, stall half-way through a request
 * line or trickle a body byte by byte never hold {@code GET /primary} up.
 */
class SlowClientsTest {
    /** A liveness bound for one health check (they take microseconds; the point is that they do not hang). */
    private static final int CHECK_TIMEOUT_MS = 15_000;

    RestFixture f;
    final List<Socket> sockets = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        f = new RestFixture();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) s.close();
        for (Thread t : threads) t.join(30_000);
        f.close();
    }

    @Test
    void blockingRequestsRunOnABoundedPoolThatHoldsNoThreadWhileIdle() throws Exception {
        java.util.concurrent.ThreadPoolExecutor workers = f.server.workers();
        assertThat(workers.getPoolSize()).as("no worker before the first blocking request").isZero();
        assertThat(f.get("/patroni").statusCode()).isEqualTo(200);
        assertThat(workers.getLargestPoolSize()).isEqualTo(1);
        // the bound of a fixed pool of thread_pool_size (at least 5) threads, whose threads end when idle
        assertThat(workers.getMaximumPoolSize()).isEqualTo(5);
        assertThat(workers.getCorePoolSize()).isEqualTo(5);
        assertThat(workers.allowsCoreThreadTimeOut()).isTrue();
        assertThat(workers.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(RestApiServer.WORKER_IDLE_SECONDS);
    }

    @Test
    void anOversizedBodyGets413WithAMessageAndTheConnectionStaysUsable() throws Exception {
        int size = 2 * Exchange.MAX_BODY;
        Socket s = socket(30_000);
        OutputStream out = s.getOutputStream();
        // the whole body goes out before anything is read, as Python's requests, curl without Expect, and patronictl do
        Thread writer = thread(() -> {
            out.write(("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int sent = 0; sent < size; sent += chunk.length) out.write(chunk, 0, Math.min(chunk.length, size - sent));
            out.flush();
        });
        writer.join(30_000);
        assertThat(writer.isAlive()).as("the server read the whole body instead of resetting").isFalse();
        String answer = readResponse(s.getInputStream());
        assertThat(answer).startsWith("HTTP/1.1 413").contains("the limit is " + Exchange.MAX_BODY);
        // keep-alive: the same connection answers the next request
        out.write("GET /primary HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("writeFailover"));
    }

    @Test
    void aBodyOverTheDiscardLimitStillGets413() throws Exception {
        Socket s = socket(30_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: " + (Exchange.DISCARD_LIMIT + 1)
                + "\r\n\r\n{\"leader\":").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String answer = readResponse(s.getInputStream());
        assertThat(answer).startsWith("HTTP/1.1 413").contains("the limit is " + Exchange.MAX_BODY)
                .containsIgnoringCase("Connection: close");
    }

    @Test
    void idleStalledAndTricklingClientsNeverHoldTheHealthChecksUp() throws Exception {
        // hundreds of connections that never send a byte
        for (int i = 0; i < 300; i++) socket(0);
        // clients that stop in the middle of their request line or headers
        for (int i = 0; i < 20; i++) {
            Socket s = socket(0);
            s.getOutputStream().write((i % 2 == 0 ? "GET /prim" : "GET /primary HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        // clients that trickle a body, one byte at a time, until the health checks are done
        AtomicBoolean checksDone = new AtomicBoolean();
        CountDownLatch trickling = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            Socket s = socket(0);
            thread(() -> {
                OutputStream out = s.getOutputStream();
                byte[] body = "{\"leader\": \"nobody\"                                        }"
                        .getBytes(StandardCharsets.US_ASCII);
                out.write(("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                int at = 0;
                // the last byte is held back until the checks are over, so the body is never complete before
                while (at < body.length - 1) {
                    out.write(body[at++]);
                    out.flush();
                    if (at == 2) trickling.countDown();
                    if (!checksDone.get()) Thread.sleep(50);
                }
                while (!checksDone.get()) Thread.sleep(10);
                out.write(body, at, body.length - at);
                out.flush();
            });
        }
        assertThat(trickling.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 30; i++) {
            try (Socket check = socket(CHECK_TIMEOUT_MS)) {
                check.getOutputStream().write("GET /primary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(check.getInputStream())).as("check %d", i).startsWith("HTTP/1.1 200");
            }
        }
        // by construction the tricklers' bodies are still incomplete here (their last byte waits for checksDone)
        checksDone.set(true);
        assertThat(f.code("/health")).isEqualTo(200);
    }

    @Test
    void aRequestThatStallsIsDroppedByTheServer() throws Exception {
        Socket s = socket(4 * 1000 * (int) RestApiServer.MAX_REQUEST_SECONDS);
        s.getOutputStream().write("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\""
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        int got;
        try {
            got = s.getInputStream().read();
        } catch (SocketException reset) {
            got = -1;
        }
        // closed by the server's request timeout (a read timeout here would throw and fail the test)
        assertThat(got).isEqualTo(-1);
        assertThat(f.control.calls).noneMatch(c -> c.startsWith("writeFailover"));
    }

    private Socket socket(int readTimeoutMs) throws IOException {
        Socket s = new Socket("127.0.0.1", f.server.port());
        s.setSoTimeout(readTimeoutMs);
        sockets.add(s);
        return s;
    }

    interface Body {
        void run() throws Exception;
    }

    private Thread thread(Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                // the socket was closed by the server or by the test's clean-up
            }
        });
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    /** One HTTP/1.1 response with a Content-Length (or none: until the status line and headers end). */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) break;
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
