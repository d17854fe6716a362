package dev.regent.daemon.watchdog;

/** A watchdog device could not be opened, configured, fed or closed; the message says which and why. */
public final class WatchdogException extends Exception {
    public WatchdogException(String message) {
        super(message);
    }
}
