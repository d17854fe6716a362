package dev.regent.daemon.watchdog;

/** Shared constants of the watchdog drivers. */
final class WatchdogSettingsDefaults {
    static final String DEVICE = dev.regent.core.config.WatchdogSettings.DEFAULT_DEVICE;

    private WatchdogSettingsDefaults() {}
}
