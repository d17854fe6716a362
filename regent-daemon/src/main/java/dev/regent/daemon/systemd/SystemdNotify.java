package dev.regent.daemon.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's readiness protocol ({@code sd_notify}, {@code Type=notify}), as Patroni 4.1 speaks it: one datagram per
 * state ({@code READY=1}, {@code STOPPING=1}) to the {@code AF_UNIX} socket named by {@code NOTIFY_SOCKET} (a path,
 * or {@code @name} in the abstract namespace). Without {@code NOTIFY_SOCKET} every call does nothing. A failure to
 * send is logged, never thrown: readiness is a courtesy to the supervisor, not a reason to stop. Thread-safe.
 */
public final class SystemdNotify {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    /** {@code sizeof(sun_path)} on Linux. */
    static final int SUN_PATH = 108;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol) throws LastErrorException;

        NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength)
                throws LastErrorException;

        int close(int fd);
    }

    private static final class Native0 {
        static final LibC C = Native.load("c", LibC.class);
    }

    private final String socket;
    private final AtomicBoolean ready = new AtomicBoolean();

    /** @param socket the value of {@code NOTIFY_SOCKET}, or null/empty for none */
    public SystemdNotify(String socket) {
        this.socket = socket == null || socket.isEmpty() ? null : socket;
    }

    public static SystemdNotify fromEnvironment(Map<String, String> env) {
        return new SystemdNotify(env.get("NOTIFY_SOCKET"));
    }

    /** {@code READY=1}, the first time only (the daemon calls it after every HA cycle). */
    public void ready() {
        if (socket != null && ready.compareAndSet(false, true)) send("READY=1");
    }

    /** {@code STOPPING=1}: the daemon is shutting down. */
    public void stopping() {
        if (socket != null) send("STOPPING=1");
    }

    /** Sends one datagram; false (logged) when it could not be sent or there is no socket. */
    public boolean send(String state) {
        if (socket == null) return false;
        byte[] address;
        try {
            address = sockaddr(socket);
        } catch (IllegalArgumentException e) {
            LOG.warn("NOTIFY_SOCKET {}: {}", socket, e.getMessage());
            return false;
        }
        int fd = -1;
        try {
            fd = Native0.C.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            byte[] message = state.getBytes(StandardCharsets.UTF_8);
            Native0.C.sendto(fd, message, new NativeLong(message.length), 0, address, address.length);
            LOG.debug("sent {} to systemd", state);
            return true;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            LOG.warn("could not send {} to NOTIFY_SOCKET {}: {}", state, socket, e.getMessage());
            return false;
        } finally {
            if (fd >= 0) Native0.C.close(fd);
        }
    }

    /**
     * {@code struct sockaddr_un} for {@code path}, exactly as long as the address (the length systemd's own client
     * passes): a leading {@code @} is the abstract namespace (a NUL byte, no terminator), else a NUL-terminated path.
     */
    static byte[] sockaddr(String path) {
        boolean abstractName = path.startsWith("@");
        if (!abstractName && !path.startsWith("/")) {
            throw new IllegalArgumentException("neither an absolute path nor an abstract name (@...)");
        }
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (abstractName) name[0] = 0;
        int length = name.length + (abstractName ? 0 : 1);
        if (length > SUN_PATH) throw new IllegalArgumentException("longer than " + SUN_PATH + " bytes");
        byte[] address = new byte[2 + length];
        // sa_family_t: two bytes in the machine's byte order
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        address[little ? 0 : 1] = (byte) AF_UNIX;
        System.arraycopy(name, 0, address, 2, name.length);
        return address;
    }
}
