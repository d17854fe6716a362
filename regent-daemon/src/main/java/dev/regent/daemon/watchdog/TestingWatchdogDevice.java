package dev.regent.daemon.watchdog;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Patroni's testing driver ({@code watchdog.driver: testing}): the device is a file or FIFO that receives exactly the
 * bytes a Linux watchdog would ({@code 1} per keepalive, {@code V} on the magic close), while the ioctls, which a
 * FIFO cannot answer, are emulated (it can set its timeout and honours the magic close). For tests on machines
 * without a watchdog device; never for production.
 */
public final class TestingWatchdogDevice implements WatchdogDevice {
    private final Path device;
    private OutputStream out;
    private int timeout = 60;

    public TestingWatchdogDevice(String device) {
        this.device = Path.of(device);
    }

    @Override
    public void open() throws WatchdogException {
        try {
            out = Files.newOutputStream(device, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new WatchdogException("Can't open watchdog device: " + e);
        }
    }

    @Override
    public boolean isOpen() {
        return out != null;
    }

    @Override
    public void close() throws WatchdogException {
        if (out == null) return;
        try {
            out.write('V');
            out.flush();
            out.close();
        } catch (IOException e) {
            throw new WatchdogException("Error while closing " + describe() + ": " + e);
        } finally {
            out = null;
        }
    }

    @Override
    public void keepalive() throws WatchdogException {
        if (out == null) throw new WatchdogException("Watchdog device is closed");
        try {
            out.write('1');
            out.flush();
        } catch (IOException e) {
            throw new WatchdogException("Could not send watchdog keepalive: " + e);
        }
    }

    @Override
    public boolean canSetTimeout() {
        return true;
    }

    @Override
    public boolean canBeDisabled() {
        return true;
    }

    @Override
    public void setTimeout(int seconds) throws WatchdogException {
        if (seconds <= 0 || seconds >= 0xFFFF) {
            throw new WatchdogException("Invalid timeout " + seconds + ". Supported values are between 1 and 65535");
        }
        timeout = seconds;
    }

    @Override
    public int getTimeout() {
        return timeout;
    }

    @Override
    public boolean isHealthy() {
        return Files.exists(device) && Files.isWritable(device);
    }

    @Override
    public String describe() {
        return "Testing watchdog device at " + device;
    }
}
