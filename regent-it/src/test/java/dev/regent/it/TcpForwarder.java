package dev.regent.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forwards TCP connections accepted on one address to another, byte for byte in both directions. The test servers
 * listen on 127.0.0.1, which a process inside a network namespace cannot reach: a forwarder bound to the host side of
 * the namespace's veth pair makes such a server reachable from inside. {@link #close()} stops accepting and closes
 * every forwarded connection.
 */
final class TcpForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private TcpForwarder(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /** Listens on {@code listen} and forwards every connection to {@code target}, each on daemon threads. */
    static TcpForwarder start(InetSocketAddress listen, InetSocketAddress target) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(listen);
        TcpForwarder f = new TcpForwarder(server, target);
        Thread t = new Thread(f::acceptLoop, "forward-" + listen);
        t.setDaemon(true);
        t.start();
        return f;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket in = server.accept();
                Socket out;
                try {
                    out = new Socket(target.getAddress(), target.getPort());
                } catch (IOException e) {
                    in.close();  // the target is down (a test stopped it): the client sees the refusal as a reset
                    continue;
                }
                open.add(in);
                open.add(out);
                pipe(in, out);
                pipe(out, in);
            } catch (IOException e) {
                if (!server.isClosed()) throw new UncheckedIOException(e);
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                // one side closed: closing both below ends the other direction too
            } catch (IOException e) {
                // same: nothing to report for a test's side channel
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "forward-pipe");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) closeQuietly(s);
    }
}
