package dev.regent.daemon.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SystemdNotify} against a real {@code AF_UNIX} datagram socket that the test binds itself (as systemd does),
 * by path and in the abstract namespace.
 */
class SystemdNotifyTest {
    interface TestLibC extends Library {
        TestLibC C = Native.load("c", TestLibC.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] address, int length) throws LastErrorException;

        /** With MSG_DONTWAIT: the datagram must already be there when the sender has returned. */
        NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags) throws LastErrorException;

        int close(int fd);
    }

    private static final int MSG_DONTWAIT = 0x40;

    @Test
    void readyOnceThenStoppingToASocketFile(@TempDir Path dir) {
        Path file = dir.resolve("notify");
        int fd = listen(file.toString());
        try {
            SystemdNotify n = SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", file.toString()));
            n.ready();
            n.ready();  // after every cycle: only the first one is sent
            n.stopping();
            assertThat(receive(fd)).isEqualTo("READY=1");
            assertThat(receive(fd)).isEqualTo("STOPPING=1");
            assertThat(receive(fd)).as("nothing more").isNull();
        } finally {
            TestLibC.C.close(fd);
        }
        assertThat(Files.exists(file)).isTrue();
    }

    @Test
    void anAbstractNamespaceSocket() {
        String name = "@regent-test-" + UUID.randomUUID();
        int fd = listen(name);
        try {
            assertThat(new SystemdNotify(name).send("READY=1")).isTrue();
            assertThat(receive(fd)).isEqualTo("READY=1");
        } finally {
            TestLibC.C.close(fd);
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndABadOneIsOnlyLogged() {
        SystemdNotify none = SystemdNotify.fromEnvironment(Map.of());
        none.ready();
        assertThat(none.send("READY=1")).isFalse();
        assertThat(new SystemdNotify("relative/path").send("READY=1")).isFalse();
        assertThat(new SystemdNotify("/nonexistent/regent/notify").send("READY=1")).isFalse();
    }

    private static int listen(String path) {
        int fd = TestLibC.C.socket(SystemdNotify.AF_UNIX, SystemdNotify.SOCK_DGRAM, 0);
        byte[] address = SystemdNotify.sockaddr(path);
        TestLibC.C.bind(fd, address, address.length);
        return fd;
    }

    private static String receive(int fd) {
        byte[] buffer = new byte[256];
        try {
            int n = TestLibC.C.recv(fd, buffer, new NativeLong(buffer.length), MSG_DONTWAIT).intValue();
            return new String(buffer, 0, n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            return null;  // EAGAIN: no datagram waiting
        }
    }
}
