package dev.regent.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The servers of a conn_url, {@code postgres://host:port[,host:port...]/dbname}: one for a member, one or several for
 * the remote primary of a standby cluster ({@code standby_cluster.host} may list several hosts, libpq's multi-host
 * syntax). Which connections must then land on the server that accepts writes ({@code target_session_attrs=
 * read-write}) is the caller's decision, as in Patroni: primary_conninfo of a standby leader using a slot, pg_rewind;
 * not the clone. Immutable.
 *
 * <p>A host starting with {@code /} is a Unix socket directory (libpq's rule), written percent-encoded in the URL
 * ({@code postgres://%2Fvar%2Frun%2Fpostgresql:5432/postgres}, as {@code StandbyCluster.connUrl} does); libpq's
 * {@code host} value takes the directory as it is, pgpass gets a {@code localhost} line for it (libpq looks a socket
 * connection up as localhost), and pgJDBC reaches it through {@link UnixSocketFactory}.
 *
 * @param servers  host (IPv6 without brackets, socket directories decoded) and port of each server, in order (at
 *                 least one)
 * @param database the path's database name, or null when the URL has none
 */
record PgHosts(List<Map.Entry<String, Integer>> servers, String database) {
    PgHosts {
        if (servers.isEmpty()) throw new PostgresException("conn_url names no host");
        servers = List.copyOf(servers);
    }

    /** One server. */
    static PgHosts of(String host, int port) {
        return new PgHosts(List.of(Map.entry(host, port)), null);
    }

    /**
     * Parses {@code connUrl}: a host without port gets libpq's 5432; IPv6 hosts are written in brackets; user info
     * and query are ignored (credentials come from the configuration, as Patroni's conn_kwargs); spaces around an
     * entry of the host list are dropped.
     *
     * @throws PostgresException naming the conn_url and what is wrong with it
     */
    static PgHosts parse(String connUrl) {
        if (connUrl == null) throw new PostgresException("no conn_url");
        int scheme = connUrl.indexOf("://");
        if (scheme < 0) throw new PostgresException("conn_url '" + connUrl + "' is not a postgres:// URL");
        String rest = connUrl.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        int query2 = authority.indexOf('?');
        if (query2 >= 0) authority = authority.substring(0, query2);
        int at = authority.lastIndexOf('@');
        if (at >= 0) authority = authority.substring(at + 1);
        List<Map.Entry<String, Integer>> servers = new ArrayList<>();
        for (String part : authority.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty()) throw new PostgresException("conn_url '" + connUrl + "' has an empty host");
            servers.add(hostPort(p, connUrl));
        }
        return new PgHosts(servers, path.isEmpty() ? null : decoded(path));
    }

    /** The database name percent-decoded, as java.net.URI's path was before multi-host URLs (which URI refuses). */
    private static String decoded(String path) {
        try {
            return java.net.URI.create("postgres:///" + path).getPath().substring(1);
        } catch (IllegalArgumentException e) {
            return path;
        }
    }

    private static Map.Entry<String, Integer> hostPort(String part, String connUrl) {
        String host;
        String port = null;
        if (part.startsWith("[")) {
            int close = part.indexOf(']');
            if (close < 0) throw new PostgresException("conn_url '" + connUrl + "' has an unclosed [ in its host");
            host = part.substring(1, close);
            if (part.length() > close + 1) {
                if (part.charAt(close + 1) != ':') {
                    throw new PostgresException("conn_url '" + connUrl + "' has '" + part.substring(close + 1)
                            + "' after the IPv6 address " + part.substring(0, close + 1));
                }
                port = part.substring(close + 2);
            }
        } else {
            int colon = part.indexOf(':');
            if (colon >= 0 && part.indexOf(':', colon + 1) >= 0) {
                throw new PostgresException("conn_url '" + connUrl + "': write the IPv6 address in '" + part
                        + "' in brackets, [address]:port");
            }
            host = percentDecoded(colon < 0 ? part : part.substring(0, colon));
            port = colon < 0 ? null : part.substring(colon + 1);
        }
        if (host.isEmpty()) throw new PostgresException("conn_url '" + connUrl + "' has no host in '" + part + "'");
        int p = 5432;
        if (port != null && !port.isEmpty()) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new PostgresException("conn_url '" + connUrl + "' has an invalid port '" + port + "'");
            }
            if (p < 1 || p > 65535) {
                throw new PostgresException("conn_url '" + connUrl + "' has port " + p + ", not in 1-65535");
            }
        }
        return Map.entry(host, p);
    }

    /** {@code %XX} escapes of a URL's host decoded as UTF-8 (libpq decodes them; a socket directory needs them). */
    private static String percentDecoded(String host) {
        if (host.indexOf('%') < 0) return host;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '%' && i + 2 < host.length() && Character.digit(host.charAt(i + 1), 16) >= 0 && Character.digit(host.charAt(i + 2), 16) >= 0) {
                out.write(Integer.parseInt(host.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** True when {@code host} is a Unix socket directory (libpq: an absolute path). */
    static boolean isSocketDirectory(String host) {
        return host.startsWith("/");
    }

    /** Some server is reached through a Unix socket directory. */
    boolean hasSocketDirectory() {
        return servers.stream().anyMatch(s -> isSocketDirectory(s.getKey()));
    }

    /** Each server alone, in order (pgJDBC cannot mix Unix sockets and TCP in one multi-host URL). */
    List<PgHosts> each() {
        return servers.stream().map(s -> new PgHosts(List.of(s), database)).toList();
    }

    /**
     * The servers pgpass needs lines for: every server, plus {@code localhost} on the port of each socket directory
     * (libpq matches a Unix socket connection's password as host {@code localhost}; Patroni adds that line too).
     */
    List<Map.Entry<String, Integer>> pgpassServers() {
        List<Map.Entry<String, Integer>> out = new ArrayList<>(servers);
        for (Map.Entry<String, Integer> s : servers) {
            Map.Entry<String, Integer> local = Map.entry("localhost", s.getValue());
            if (isSocketDirectory(s.getKey()) && !out.contains(local)) out.add(local);
        }
        return out;
    }

    /** More than one server: libpq tries them in order. */
    boolean several() {
        return servers.size() > 1;
    }

    /** libpq's {@code host} value: the hosts, comma-separated (IPv6 without brackets, as libpq wants them). */
    String hosts() {
        return String.join(",", servers.stream().map(Map.Entry::getKey).toList());
    }

    /** libpq's {@code port} value: the ports, comma-separated, one per host. */
    String ports() {
        return String.join(",", servers.stream().map(s -> Integer.toString(s.getValue())).toList());
    }

    /**
     * {@code host:port,...} for pgJDBC's URL, IPv6 hosts in brackets; a socket directory as {@code localhost} (the
     * connection then goes through {@link UnixSocketFactory}, which ignores the URL's host).
     */
    String jdbcHosts() {
        return String.join(",", servers.stream().map(s -> (isSocketDirectory(s.getKey()) ? "localhost"
                : s.getKey().contains(":") ? "[" + s.getKey() + "]" : s.getKey()) + ":" + s.getValue()).toList());
    }
}
