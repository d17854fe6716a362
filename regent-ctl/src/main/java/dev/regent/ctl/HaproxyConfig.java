package dev.regent.ctl;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The HAProxy configuration {@code regentctl haproxy-config} prints: one TCP listener for the primary, whose servers
 * are checked with {@code GET /primary} on each member's REST API, and one for the replicas checked with
 * {@code GET /replica} (optionally {@code ?lag=}). Every server is checked every second, marked down after two failed
 * checks and up after one good one ({@code inter 1s fall 2 rise 1}, the figures the Patroni baseline was measured
 * with), and {@code on-marked-down shutdown-sessions} cuts the connections a demoted or lost primary still holds, so a
 * client reconnects to the new one instead of waiting on a dead or read-only server.
 * Pure: {@link #render} depends on its arguments only.
 */
public final class HaproxyConfig {
    /** PostgreSQL-style size, as {@code /replica?lag=} takes it (bytes, or with a unit: 16kB, 64MB, 1GB). */
    private static final Pattern LAG = Pattern.compile("\\d+(\\.\\d+)?([kKmMgGtT]?[bB])?");
    /** The characters HAProxy accepts in a server name. */
    private static final Pattern NOT_IN_NAME = Pattern.compile("[^A-Za-z0-9_.:-]");

    private HaproxyConfig() {}

    /**
     * One member as HAProxy sees it: PostgreSQL at {@code pgHost:pgPort} (from {@code conn_url}), the REST API at
     * {@code apiHost:apiPort} (from {@code api_url}), over HTTPS when {@code apiHttps}.
     */
    public record Server(String name, String pgHost, int pgPort, String apiHost, int apiPort, boolean apiHttps) {
        /**
         * From a member's published URLs; a clear error naming the member when either is missing or malformed.
         * Default ports as libpq and Patroni have them (5432; 8008).
         */
        public static Server of(String name, String connUrl, String apiUrl) {
            URI pg = parse(name, "conn_url", connUrl);
            URI api = parse(name, "api_url", apiUrl);
            boolean https = "https".equalsIgnoreCase(api.getScheme());
            if (!https && !"http".equalsIgnoreCase(api.getScheme())) {
                throw new CtlException("member " + name + ": api_url " + apiUrl + " is not an http(s) URL");
            }
            return new Server(name, pg.getHost(), pg.getPort() > 0 ? pg.getPort() : 5432, api.getHost(),
                    api.getPort() > 0 ? api.getPort() : 8008, https);
        }

        private static URI parse(String member, String key, String url) {
            if (url == null || url.isBlank()) throw new CtlException("member " + member + " publishes no " + key);
            try {
                URI u = URI.create(url);
                if (u.getHost() == null) throw new IllegalArgumentException("no host");
                return u;
            } catch (IllegalArgumentException e) {
                throw new CtlException("member " + member + ": " + key + " " + url + " has no usable host: "
                        + e.getMessage());
            }
        }
    }

    /**
     * What the operator chose. {@code lag}: the {@code /replica?lag=} limit, or null for none; {@code checkSsl}:
     * check over HTTPS even where an api_url says http (it is used anyway for https api_urls); {@code crt}: the PEM
     * file with the client certificate and its key that HAProxy presents to APIs with {@code verify_client}, or null;
     * {@code caFile}: the CA to verify the APIs' certificates with, or null for {@code verify none};
     * {@code statsPort}: a port for HAProxy's statistics page, or 0 for none.
     */
    public record Options(String cluster, String bind, int primaryPort, int replicaPort, String lag, boolean checkSsl,
                          String crt, String caFile, int statsPort) {
        public Options {
            checkPort("--primary-port", primaryPort);
            checkPort("--replica-port", replicaPort);
            if (statsPort != 0) checkPort("--stats-port", statsPort);
            if (primaryPort == replicaPort || statsPort == primaryPort || statsPort == replicaPort) {
                throw new CtlException("--primary-port, --replica-port and --stats-port must differ");
            }
            if (lag != null && !LAG.matcher(lag).matches()) {
                throw new CtlException("--lag " + lag + " is not a size such as 1048576, 16kB, 64MB or 1GB");
            }
            if (bind == null || bind.isBlank() || bind.chars().anyMatch(Character::isWhitespace)) {
                throw new CtlException("--bind needs an address such as * or 127.0.0.1");
            }
        }

        private static void checkPort(String option, int port) {
            if (port < 1 || port > 65535) throw new CtlException(option + " " + port + " is not a TCP port");
        }
    }

    /** The whole configuration file, members sorted by name; at least one server is required. */
    public static String render(Options o, List<Server> servers) {
        if (servers.isEmpty()) throw new CtlException("cluster " + o.cluster() + " has no members to route to");
        List<Server> sorted = new ArrayList<>(servers);
        sorted.sort(Comparator.comparing(Server::name));
        boolean anySsl = o.checkSsl() || sorted.stream().anyMatch(Server::apiHttps);
        if (!anySsl && (o.crt() != null || o.caFile() != null)) {
            // a certificate only makes sense over TLS: say so rather than drop the option silently
            throw new CtlException("--crt and --ca-file need HTTPS health checks: the members' api_urls are http"
                    + " (add --ssl to check over HTTPS anyway)");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# HAProxy configuration for cluster ").append(o.cluster()).append(", generated by regentctl"
                + " haproxy-config from the members in the DCS.\n");
        sb.append("# Clients connect to port ").append(o.primaryPort()).append(" for the primary (read-write) and ")
                .append(o.replicaPort()).append(" for the replicas (read-only).\n");
        sb.append("# A server is up while its member's REST API answers 200: GET /primary on the leader only, GET"
                + " /replica on\n# running replicas").append(o.lag() == null ? "" : " at most " + o.lag()
                + " behind").append(". Checked every second, down after 2 failed checks, up after 1.\n");
        sb.append("# on-marked-down shutdown-sessions closes the connections of a server that goes down, so that\n"
                + "# clients of a demoted or lost primary reconnect (to the new one) instead of hanging.\n");
        sb.append("# Regenerate when members are added or removed: the server list is the members of today.\n\n");
        sb.append("global\n    maxconn 1000\n\n");
        sb.append("defaults\n    mode tcp\n    retries 2\n    timeout connect 4s\n    timeout client 30m\n"
                + "    timeout server 30m\n    timeout check 5s\n\n");
        if (o.statsPort() != 0) {
            sb.append("listen stats\n    mode http\n    bind ").append(o.bind()).append(':').append(o.statsPort())
                    .append("\n    stats enable\n    stats uri /\n\n");
        }
        listen(sb, o, sorted, o.cluster() + "_primary", o.primaryPort(), "/primary");
        listen(sb, o, sorted, o.cluster() + "_replicas", o.replicaPort(),
                o.lag() == null ? "/replica" : "/replica?lag=" + o.lag());
        return sb.toString();
    }

    private static void listen(StringBuilder sb, Options o, List<Server> servers, String name, int port,
                               String path) {
        sb.append("listen ").append(serverName(name)).append('\n');
        sb.append("    bind ").append(o.bind()).append(':').append(port).append('\n');
        sb.append("    option httpchk GET ").append(path).append('\n');
        sb.append("    http-check expect status 200\n");
        if (path.startsWith("/replica")) sb.append("    balance roundrobin\n");
        sb.append("    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions\n");
        for (Server s : servers) {
            sb.append("    server ").append(serverName(s.name())).append(' ').append(hostPort(s.pgHost(), s.pgPort()))
                    .append(" check");
            if (!s.apiHost().equals(s.pgHost())) sb.append(" addr ").append(s.apiHost());
            sb.append(" port ").append(s.apiPort());
            if (s.apiHttps() || o.checkSsl()) {
                sb.append(" check-ssl");
                sb.append(o.caFile() == null ? " verify none" : " verify required ca-file " + o.caFile());
                if (o.crt() != null) sb.append(" crt ").append(o.crt());
            }
            sb.append('\n');
        }
        sb.append('\n');
    }

    /** A member name as an HAProxy server name: characters HAProxy rejects become underscores. */
    static String serverName(String name) {
        return NOT_IN_NAME.matcher(name).replaceAll("_");
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
