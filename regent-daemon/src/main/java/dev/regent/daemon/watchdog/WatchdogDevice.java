package dev.regent.daemon.watchdog;

/**
 * The port to one watchdog device (Patroni's WatchdogBase): the Linux device ({@link LinuxWatchdogDevice}, ioctls
 * through JNA) or Patroni's testing driver ({@link TestingWatchdogDevice}). Not thread-safe: {@link Watchdog}
 * serializes the calls.
 */
public interface WatchdogDevice {
    /** Open the device; from now on the machine resets unless {@link #keepalive} comes within the timeout. */
    void open() throws WatchdogException;

    boolean isOpen();

    /** Magic close: write {@code V}, then close, so that the driver stops the timer. No-op when not open. */
    void close() throws WatchdogException;

    /** Reset the timer (write one byte). */
    void keepalive() throws WatchdogException;

    /** The driver can set its timeout (WDIOF_SETTIMEOUT). */
    boolean canSetTimeout() throws WatchdogException;

    /** The driver honours the magic close (WDIOF_MAGICCLOSE); otherwise the timer runs on after close. */
    boolean canBeDisabled() throws WatchdogException;

    void setTimeout(int seconds) throws WatchdogException;

    int getTimeout() throws WatchdogException;

    /** Opening is expected to work: the device exists and is writable (Patroni's is_healthy). */
    boolean isHealthy();

    /** For log lines, e.g. {@code Linux watchdog device at /dev/watchdog1}. */
    String describe();
}
