package dev.regent.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Version strings. Regent publishes {@link #PATRONI_COMPATIBLE} wherever Patroni publishes its own version (member
 * keys, {@code GET /patroni}): Patroni's tools gate features on that value, and Regent implements the 4.x interfaces.
 */
public final class Versions {
    /** The Patroni release whose interfaces Regent reproduces. */
    public static final String PATRONI_COMPATIBLE = "4.1.4";

    private Versions() {}

    /** Regent's own version, from the build. */
    public static String regent() {
        try (InputStream in = Versions.class.getResourceAsStream("/regent-version.properties")) {
            Properties p = new Properties();
            if (in != null) p.load(in);
            return p.getProperty("regent.version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
