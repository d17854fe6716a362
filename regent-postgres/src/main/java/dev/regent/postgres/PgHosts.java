package dev.regent.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The servers of a conn_url, {@code postgres://host:port[,host:port...]/dbname}: one for a member, one or several for
 * the remote primary of a standby cluster ({@code standby_cluster.host} may list several hosts, libpq's multi-host
 * syntax). With several, a connection must land on the one that accepts writes, so every connection string built from
 * them says {@code target_session_attrs=read-write} (Patroni does so for a standby leader with several hosts).
 *
 * @param servers  host and port of each server, in order (at least one)
 * @param database the path's database name, or null when the URL has none
 */
record PgHosts(List<Map.Entry<String, Integer>> servers, String database) {
    PgHosts {
        if (servers.isEmpty()) throw new PostgresException("conn_url names no host");
        servers = List.copyOf(servers);
    }

    /** Parses {@code connUrl}; a host without port gets 5432; IPv6 hosts are written in brackets. */
    static PgHosts parse(String connUrl) {
        int scheme = connUrl.indexOf("://");
        if (scheme < 0) throw new PostgresException("conn_url '" + connUrl + "' is not a postgres:// URL");
        String rest = connUrl.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        int at = authority.lastIndexOf('@');
        if (at >= 0) authority = authority.substring(at + 1);
        List<Map.Entry<String, Integer>> servers = new ArrayList<>();
        for (String part : authority.split(",")) {
            if (part.isEmpty()) throw new PostgresException("conn_url '" + connUrl + "' has an empty host");
            servers.add(hostPort(part, connUrl));
        }
        return new PgHosts(servers, path.isEmpty() ? null : path);
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
                    throw new PostgresException("conn_url '" + connUrl + "' has garbage after ]");
                }
                port = part.substring(close + 2);
            }
        } else {
            int colon = part.lastIndexOf(':');
            host = colon < 0 ? part : part.substring(0, colon);
            port = colon < 0 ? null : part.substring(colon + 1);
        }
        if (host.isEmpty()) throw new PostgresException("conn_url '" + connUrl + "' has no host");
        int p = 5432;
        if (port != null && !port.isEmpty()) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new PostgresException("conn_url '" + connUrl + "' has an invalid port '" + port + "'");
            }
            if (p < 1 || p > 65535) throw new PostgresException("conn_url '" + connUrl + "' has port " + p);
        }
        return Map.entry(host, p);
    }

    boolean several() {
        return servers.size() > 1;
    }

    /** libpq's {@code host} value: the hosts, comma-separated. */
    String hosts() {
        return String.join(",", servers.stream().map(Map.Entry::getKey).toList());
    }

    /** libpq's {@code port} value: the ports, comma-separated, one per host. */
    String ports() {
        return String.join(",", servers.stream().map(s -> Integer.toString(s.getValue())).toList());
    }

    /** {@code read-write} when there are several servers (see the class comment), else null. */
    String targetSessionAttrs() {
        return several() ? "read-write" : null;
    }

    /** {@code host:port,...} for pgJDBC's URL, IPv6 hosts in brackets. */
    String jdbcHosts() {
        return String.join(",", servers.stream().map(s -> (s.getKey().contains(":") ? "[" + s.getKey() + "]"
                : s.getKey()) + ":" + s.getValue()).toList());
    }
}
