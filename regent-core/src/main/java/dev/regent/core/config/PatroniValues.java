package dev.regent.core.config;

import java.util.Locale;

/**
 * Patroni's lenient value parsing ({@code patroni/utils.py} {@code parse_bool}, {@code parse_int},
 * {@code split_host_port}). Stateless and thread-safe.
 */
public final class PatroniValues {
    private PatroniValues() {}

    /** {@code on/true/yes/1} → true, {@code off/false/no/0} → false (case-insensitive), anything else → null. */
    public static Boolean parseBool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v == null) {
            return null;
        }
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "on", "true", "yes", "1" -> Boolean.TRUE;
            case "off", "false", "no", "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** An integer from a number or numeric string ({@code "10"}, {@code 10.0}); null when not an integer. */
    public static Long parseInt(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && !Double.isInfinite(d) ? (long) d : null;
        }
        if (v instanceof String s) {
            String t = s.trim();
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                try {
                    return parseInt(Double.parseDouble(t));
                } catch (NumberFormatException e2) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * Checks {@code host:port} syntax (IPv6 hosts in brackets; for {@code multiHost} a comma separated host list
     * before the last colon). Returns null when valid, otherwise what is wrong.
     *
     * @param emptyHostOk a listen address may have an empty host or {@code *} (all interfaces)
     */
    public static String hostPortProblem(String value, boolean emptyHostOk, boolean multiHost) {
        if (value == null || value.isBlank()) {
            return "must be host:port, got an empty value";
        }
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            return "must be host:port, got '" + value + "' (no port)";
        }
        String host = value.substring(0, colon).trim();
        String port = value.substring(colon + 1).trim();
        Long p = port.matches("\\d+") ? parseInt(port) : null;
        if (p == null) {
            return "port '" + port + "' in '" + value + "' is not a number";
        }
        if (p < 1 || p > 65535) {
            return "port " + p + " in '" + value + "' is out of range 1..65535";
        }
        if (host.isEmpty() && !emptyHostOk) {
            return "host is missing in '" + value + "'";
        }
        if (!multiHost && host.contains(",")) {
            return "only one host allowed in '" + value + "'";
        }
        if (host.contains(" ") && !multiHost) {
            return "host must not contain spaces in '" + value + "'";
        }
        return null;
    }

    /** The port of a valid {@code host:port}. */
    public static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1).trim());
    }

    /** The host part of a {@code host:port} (brackets of IPv6 literals removed). */
    public static String host(String hostPort) {
        String h = hostPort.substring(0, hostPort.lastIndexOf(':')).trim();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }
}
