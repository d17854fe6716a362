package dev.regent.daemon.watchdog;

import dev.regent.core.config.WatchdogSettings;
import dev.regent.core.config.WatchdogSettings.Mode;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's watchdog (Patroni's Watchdog facade, §1.9, §6.15): activated when this node takes or keeps the leader
 * lock, fed after every successful renewal, closed with the magic character when it stops leading, while paused and at
 * a clean shutdown. The timeout is ttl - safety_margin (ttl / 2 with -1) and follows ttl changes at the next keepalive.
 * {@code required}: a node whose watchdog is missing, unwritable or could not be activated with a safe timeout is not
 * healthy ({@link #isHealthy}): it does not race and a leader gives the lock up; {@code automatic}: the same problems are
 * warnings and the node goes on without a watchdog; {@code off}: no device is touched. Log lines are Patroni's.
 * A reloaded configuration ({@link #reload}) applies as in Patroni's reload_config. Thread-safe (one lock).
 */
public final class Watchdog {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final Function<WatchdogSettings, WatchdogDevice> devices;
    private WatchdogSettings settings;
    /** Null while mode is off. */
    private WatchdogDevice device;
    /** Reloaded settings waiting for the next keepalive (the watchdog was running when they came). */
    private WatchdogSettings pending;
    /** Activation failed (required, or Patroni's fall-back to no watchdog): stays so until the daemon restarts or a reload. */
    private boolean failed;
    private int activeTimeout;

    /** The device for {@code settings}: none when off, the testing driver, else the Linux device. */
    public static Watchdog of(WatchdogSettings settings) {
        return new Watchdog(settings, s -> "testing".equals(s.driver()) ? new TestingWatchdogDevice(s.device())
                : new LinuxWatchdogDevice(s.device()));
    }

    /** {@code devices} makes the device from the settings (not called with mode off). */
    public Watchdog(WatchdogSettings settings, Function<WatchdogSettings, WatchdogDevice> devices) {
        this.devices = devices;
        this.settings = settings;
        this.device = settings.mode() == Mode.OFF ? null : devices.apply(settings);
    }

    /** The settings the watchdog runs with (a reload waiting for the next keepalive is not among them yet). */
    public synchronized WatchdogSettings settings() {
        return settings;
    }

    /**
     * A reloaded {@code watchdog} section (SIGHUP, {@code POST /reload}), as Patroni's Watchdog.reload_config: mode
     * {@code off} applies at once (a running watchdog gets the magic close); while the watchdog is not running the new
     * settings apply at once too (a fresh device, and an earlier activation failure is forgotten, so a fixed device is
     * tried again when the node next leads); while it runs, the change waits for the next keepalive, which closes
     * the device with the magic character and activates the new one (device, timeout from the new safety_margin).
     */
    public synchronized void reload(WatchdogSettings next) {
        if (next.mode() == Mode.OFF) {
            if (device != null && device.isOpen()) {
                LOG.info("watchdog turned off by the reloaded configuration");
                disable();
            }
            apply(next, null);
        } else if (device == null || !device.isOpen()) {
            apply(next, devices.apply(next));
        } else if (next.equals(settings)) {
            pending = null;
        } else {
            pending = next;
            LOG.info("watchdog configuration changed; applied at the next keepalive");
        }
    }

    private void apply(WatchdogSettings next, WatchdogDevice nextDevice) {
        settings = next;
        device = nextDevice;
        pending = null;
        failed = false;
        activeTimeout = 0;
    }

    /** The device is open and being fed. */
    public synchronized boolean isRunning() {
        return device != null && device.isOpen();
    }

    /**
     * Patroni's is_healthy: true unless mode is required and the timing is unsafe (ttl - safety_margin below
     * loop_wait), the device is missing or unwritable, or an activation failed.
     */
    public synchronized boolean isHealthy(int ttl, int loopWait) {
        // Patroni judges by the newest configuration, even while it waits for the next keepalive
        WatchdogSettings s = pending != null ? pending : settings;
        if (s.mode() != Mode.REQUIRED) return true;
        return s.timingSlack(ttl, loopWait) >= 0 && !failed && device.isHealthy();
    }

    /**
     * Make sure the watchdog runs while this node leads: activate it when it is not running, feed it otherwise.
     * Returns false only when mode is required and it could not be activated with a safe timeout (the node must not
     * lead).
     */
    public synchronized boolean lead(int ttl, int loopWait) {
        if (device == null) return true;
        if (device.isOpen()) {
            keepalive(ttl);
            if (pending == null) return true;
            // Patroni's keepalive applies a pending configuration: disable, then activate with the new one
            disable();
            apply(pending, devices.apply(pending));
            return activate(ttl, loopWait);
        }
        if (failed) return settings.mode() != Mode.REQUIRED;
        return activate(ttl, loopWait);
    }

    private boolean activate(int ttl, int loopWait) {
        int timeout = settings.timeoutSeconds(ttl);
        int slack = settings.timingSlack(ttl, loopWait);
        boolean usable = slack >= 0;
        Integer actual = null;
        if (!usable) {
            LOG.warn("Watchdog not supported because leader TTL {} is less than 2x loop_wait {}", ttl, loopWait);
        } else {
            try {
                device.open();
                actual = setTimeout(timeout, loopWait);
            } catch (WatchdogException e) {
                LOG.warn("Could not activate {}: {}", device.describe(), e.getMessage());
                closeQuietly();
            }
        }
        if (!device.isOpen() || actual == null || actual > timeout) {
            if (settings.mode() == Mode.REQUIRED) {
                if (!device.isOpen()) {
                    LOG.error("Configuration requires watchdog, but watchdog could not be configured.");
                } else {
                    LOG.error("Configuration requires watchdog, but a safe watchdog timeout {} could not be configured."
                            + " Watchdog timeout is {}.", timeout, actual);
                    closeQuietly();
                }
                failed = true;
                return false;
            }
            if (device.isOpen()) {
                LOG.warn("Watchdog timeout {} seconds does not ensure safe termination within {} seconds", actual,
                        timeout);
            } else {
                failed = true;  // automatic: go on without a watchdog, and do not retry every cycle
                return true;
            }
        }
        activeTimeout = timeout;
        LOG.info("{} activated with {} second timeout, timing slack {} seconds", device.describe(), actual, slack);
        return true;
    }

    /** Set the timeout if the driver can, then read it back; null when the timeout is unsafe and the device closed. */
    private Integer setTimeout(int timeout, int loopWait) throws WatchdogException {
        if (device.canSetTimeout()) device.setTimeout(timeout);
        int actual = device.getTimeout();
        if (actual < loopWait) {
            LOG.error("loop_wait of {} seconds is too long for watchdog {} second timeout", loopWait, actual);
            if (device.canBeDisabled()) {
                LOG.info("Disabling watchdog due to unsafe timeout.");
                device.close();
                return null;
            }
        }
        return actual;
    }

    private void keepalive(int ttl) {
        try {
            device.keepalive();
            int timeout = settings.timeoutSeconds(ttl);
            if (timeout != activeTimeout && device.canSetTimeout()) {
                device.setTimeout(timeout);  // ttl changed: the next keepalive window follows it
                activeTimeout = timeout;
            }
        } catch (WatchdogException e) {
            LOG.error("Error while sending keepalive: {}", e.getMessage());
        }
    }

    /** Stop the watchdog with the magic close (demoted, paused, lock lost, clean shutdown). No-op when not running. */
    public synchronized void disable() {
        if (device == null || !device.isOpen()) return;
        try {
            if (!device.canBeDisabled()) {
                device.keepalive();  // give the operator a whole timeout to clean up
                LOG.warn("Watchdog implementation can't be disabled. System will reboot after {} seconds when watchdog"
                        + " times out.", device.getTimeout());
            }
            device.close();
        } catch (WatchdogException e) {
            LOG.error("Error while disabling watchdog: {}", e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            device.close();
        } catch (WatchdogException e) {
            LOG.debug("closing {} after a failed activation: {}", device.describe(), e.getMessage());
        }
    }
}
