package dev.regent.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import javax.net.SocketFactory;

/**
 * pgjdbc {@code socketFactory} that connects to PostgreSQL's Unix-domain socket with the JDK's own
 * {@link UnixDomainSocketAddress} support (Java 16+), since pgjdbc itself speaks TCP only. pgjdbc passes the socket
 * file ({@code <dir>/.s.PGSQL.<port>}) as {@code socketFactoryArg}; the host and port in the JDBC URL are ignored.
 * Each socket is used by one connection at a time, as pgjdbc does.
 */
public final class UnixSocketFactory extends SocketFactory {
    private final Path socketFile;

    /** @param socketFile path of the server's socket file, e.g. {@code /var/run/postgresql/.s.PGSQL.5432} */
    public UnixSocketFactory(String socketFile) {
        this.socketFile = Path.of(socketFile);
    }

    /** The socket file of a server listening on {@code port} with sockets in {@code directory}. */
    public static String socketFile(String directory, int port) {
        return Path.of(directory, ".s.PGSQL." + port).toString();
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(socketFile);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(null);
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return createSocket((String) null, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket((String) null, port);
    }

    /**
     * A {@link Socket} over a blocking Unix-domain {@link SocketChannel}. TCP options are accepted and ignored;
     * {@code soTimeout} is recorded but reads block like a TCP socket without timeout (pgjdbc's default).
     */
    private static final class UnixSocket extends Socket {
        private final Path file;
        private SocketChannel channel;
        private InputStream in;
        private OutputStream out;
        private volatile boolean closed;
        private int soTimeout;

        UnixSocket(Path file) {
            this.file = file;
        }

        @Override
        public void connect(SocketAddress ignored) throws IOException {
            connect(ignored, 0);
        }

        @Override
        public void connect(SocketAddress ignored, int timeout) throws IOException {
            try {
                channel = SocketChannel.open(UnixDomainSocketAddress.of(file));
            } catch (IOException e) {
                throw new SocketException("cannot connect to PostgreSQL's Unix socket " + file + ": " + e);
            }
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
        }

        @Override
        public InputStream getInputStream() throws IOException {
            if (in == null) {
                throw new SocketException("not connected to " + file);
            }
            return in;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            if (out == null) {
                throw new SocketException("not connected to " + file);
            }
            return out;
        }

        @Override
        public boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public synchronized void close() throws IOException {
            closed = true;
            if (channel != null) {
                channel.close();
            }
        }

        @Override
        public void shutdownInput() throws IOException {
            if (channel != null) {
                channel.shutdownInput();
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            if (channel != null) {
                channel.shutdownOutput();
            }
        }

        @Override
        public InetAddress getInetAddress() {
            return InetAddress.getLoopbackAddress();
        }

        @Override
        public int getPort() {
            return 0;
        }

        @Override
        public int getLocalPort() {
            return -1;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // no TCP here
        }

        @Override
        public boolean getTcpNoDelay() {
            return true;
        }

        @Override
        public void setKeepAlive(boolean on) {
            // no TCP here
        }

        @Override
        public boolean getKeepAlive() {
            return false;
        }

        @Override
        public void setSoTimeout(int timeout) {
            soTimeout = timeout;
        }

        @Override
        public int getSoTimeout() {
            return soTimeout;
        }

        @Override
        public void setReceiveBufferSize(int size) {
            // the kernel's default for Unix sockets
        }

        @Override
        public void setSendBufferSize(int size) {
            // the kernel's default for Unix sockets
        }

        @Override
        public void setSoLinger(boolean on, int linger) {
            // nothing to linger on
        }

        @Override
        public String toString() {
            return "UnixSocket[" + file + "]";
        }
    }
}
