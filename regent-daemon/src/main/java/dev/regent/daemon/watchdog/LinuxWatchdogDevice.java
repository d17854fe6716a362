package dev.regent.daemon.watchdog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Linux watchdog device (linux/watchdog.h), as Patroni's LinuxWatchdogDevice: {@code open(O_RDWR)}, a keepalive is
 * one byte written, the magic close writes {@code V} before {@code close}, and WDIOC_GETSUPPORT, WDIOC_SETTIMEOUT and
 * WDIOC_GETTIMEOUT are ioctls. The C library is reached through JNA, loaded on the first open of a device that exists
 * (a node without a watchdog never loads native code). The ioctl numbers are those of the generic architectures
 * (x86-64, arm64, ...); a missing device fails with Patroni's message before anything native runs.
 */
public final class LinuxWatchdogDevice implements WatchdogDevice {
    private static final int O_RDWR = 2;
    private static final int IOC_WRITE = 1;
    private static final int IOC_READ = 2;
    private static final int INFO_SIZE = 40;  // struct watchdog_info: u32 options, u32 firmware_version, u8[32]
    static final long WDIOC_GETSUPPORT = ioc(IOC_READ, 0, INFO_SIZE);
    static final long WDIOC_SETTIMEOUT = ioc(IOC_READ | IOC_WRITE, 6, 4);
    static final long WDIOC_GETTIMEOUT = ioc(IOC_READ, 7, 4);
    private static final int WDIOF_SETTIMEOUT = 0x0080;
    private static final int WDIOF_MAGICCLOSE = 0x0100;

    /** The C library, bound on first use. */
    interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

        int ioctl(int fd, NativeLong request, byte[] argument) throws LastErrorException;
    }

    private static final class Native0 {
        static final LibC C = Native.load("c", LibC.class);
    }

    private final String device;
    private int fd = -1;
    private Integer options;

    public LinuxWatchdogDevice(String device) {
        this.device = device;
    }

    /** linux/ioctl.h's _IOC for the generic layout: dir at bit 30, size at 16, type 'W' at 8, number at 0. */
    static long ioc(int dir, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) 'W' << 8) | nr;
    }

    @Override
    public void open() throws WatchdogException {
        if (!Files.exists(Path.of(device))) {
            throw new WatchdogException("Can't open watchdog device: [Errno 2] No such file or directory: '" + device
                    + "'");
        }
        try {
            fd = Native0.C.open(device, O_RDWR);
        } catch (LastErrorException e) {
            throw new WatchdogException("Can't open watchdog device: " + e.getMessage());
        }
    }

    @Override
    public boolean isOpen() {
        return fd >= 0;
    }

    @Override
    public void close() throws WatchdogException {
        if (fd < 0) return;
        try {
            write((byte) 'V');
            Native0.C.close(fd);
        } catch (LastErrorException e) {
            throw new WatchdogException("Error while closing " + describe() + ": " + e.getMessage());
        } finally {
            fd = -1;
        }
    }

    @Override
    public void keepalive() throws WatchdogException {
        try {
            write((byte) '1');
        } catch (LastErrorException e) {
            throw new WatchdogException("Could not send watchdog keepalive: " + e.getMessage());
        }
    }

    private void write(byte b) {
        Native0.C.write(fd, new byte[] {b}, new NativeLong(1));
    }

    @Override
    public boolean canSetTimeout() throws WatchdogException {
        return (options() & WDIOF_SETTIMEOUT) != 0;
    }

    @Override
    public boolean canBeDisabled() throws WatchdogException {
        return (options() & WDIOF_MAGICCLOSE) != 0;
    }

    private int options() throws WatchdogException {
        if (options == null) {
            byte[] info = new byte[INFO_SIZE];
            ioctl(WDIOC_GETSUPPORT, info, "WDIOC_GETSUPPORT");
            options = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder()).getInt(0);
        }
        return options;
    }

    @Override
    public void setTimeout(int seconds) throws WatchdogException {
        if (seconds <= 0 || seconds >= 0xFFFF) {
            throw new WatchdogException("Invalid timeout " + seconds + ". Supported values are between 1 and 65535");
        }
        ioctl(WDIOC_SETTIMEOUT, intArg(seconds), "WDIOC_SETTIMEOUT");
    }

    @Override
    public int getTimeout() throws WatchdogException {
        byte[] arg = intArg(0);
        ioctl(WDIOC_GETTIMEOUT, arg, "WDIOC_GETTIMEOUT");
        return ByteBuffer.wrap(arg).order(ByteOrder.nativeOrder()).getInt(0);
    }

    private static byte[] intArg(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private void ioctl(long request, byte[] arg, String name) throws WatchdogException {
        if (fd < 0) throw new WatchdogException("Watchdog device is closed");
        try {
            Native0.C.ioctl(fd, new NativeLong(request), arg);
        } catch (LastErrorException e) {
            throw new WatchdogException(name + " on " + device + " failed: " + e.getMessage());
        }
    }

    @Override
    public boolean isHealthy() {
        Path p = Path.of(device);
        return Files.exists(p) && Files.isWritable(p);
    }

    @Override
    public String describe() {
        return "Linux watchdog device" + (WatchdogSettingsDefaults.DEVICE.equals(device) ? "" : " at " + device);
    }
}
