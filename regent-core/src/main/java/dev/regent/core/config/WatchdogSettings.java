package dev.regent.core.config;

import java.util.Locale;
import java.util.Map;

/**
 * The {@code watchdog} section (Patroni's WatchdogConfig, §1.9). Pure.
 *
 * @param mode         off, automatic (the default, also {@code auto}) or required (also {@code require})
 * @param device       the watchdog device, {@code /dev/watchdog} by default
 * @param safetyMargin seconds between the watchdog firing and the leader key expiring (default 5); -1 means the
 *                     watchdog fires at ttl / 2
 * @param driver       {@code testing} selects Patroni's testing driver (device writes as Linux, ioctls emulated);
 *                     null for the Linux device
 */
public record WatchdogSettings(Mode mode, String device, int safetyMargin, String driver) {
    public static final String DEFAULT_DEVICE = "/dev/watchdog";

    /** Patroni's watchdog modes. */
    public enum Mode { OFF, AUTOMATIC, REQUIRED }

    /** Patroni's parse_mode: YAML {@code off} (boolean false) and unknown names are off. */
    public static Mode parseMode(Object value) {
        if (value == null) return Mode.AUTOMATIC;
        if (Boolean.FALSE.equals(value)) return Mode.OFF;
        return switch (value.toString().toLowerCase(Locale.ROOT)) {
            case "require", "required" -> Mode.REQUIRED;
            case "auto", "automatic" -> Mode.AUTOMATIC;
            default -> Mode.OFF;
        };
    }

    /** From the local configuration's {@code watchdog} section (absent: automatic on {@code /dev/watchdog}). */
    public static WatchdogSettings from(Object section) {
        Map<?, ?> m = section instanceof Map<?, ?> map ? map : Map.of();
        Object device = m.get("device");
        Object margin = m.get("safety_margin");
        int safety = margin instanceof Number n ? n.intValue() : 5;
        Object driver = m.get("driver");
        return new WatchdogSettings(parseMode(m.get("mode")), device == null ? DEFAULT_DEVICE : device.toString(),
                safety, driver == null ? null : driver.toString());
    }

    /** The timeout the device is set to: ttl - safety_margin, or ttl / 2 with safety_margin -1 (Patroni 4). */
    public int timeoutSeconds(int ttlSeconds) {
        return safetyMargin == -1 ? ttlSeconds / 2 : ttlSeconds - safetyMargin;
    }

    /** Seconds left between the last keepalive of a cycle and the watchdog firing; negative is unsafe. */
    public int timingSlack(int ttlSeconds, int loopWaitSeconds) {
        return timeoutSeconds(ttlSeconds) - loopWaitSeconds;
    }
}
