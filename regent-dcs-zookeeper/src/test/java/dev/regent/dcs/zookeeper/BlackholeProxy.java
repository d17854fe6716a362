package dev.regent.dcs.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy to a ZooKeeper server that can go silent: once {@link #freeze()}d it keeps every connection open but
 * forwards nothing, as a network that drops packets does (no reset, so the client notices only by its timeouts).
 */
final class BlackholeProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;

    BlackholeProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "blackhole-accept");
        accept.setDaemon(true);
        accept.start();
    }

    String hostPort() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    void freeze() {
        frozen = true;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket in = listener.accept();
                if (frozen) {
                    sockets.add(in);  // accepted but never answered
                    continue;
                }
                Socket out = new Socket(target.getAddress(), target.getPort());
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                int n;
                while ((n = i.read(buf)) >= 0) {
                    while (frozen) Thread.sleep(50);  // hold the bytes: nothing gets through any more
                    o.write(buf, 0, n);
                    o.flush();
                }
            } catch (IOException | InterruptedException e) {
                // a side closed
            }
        }, "blackhole-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) s.close();
    }
}
