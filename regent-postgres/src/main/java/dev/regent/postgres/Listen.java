package dev.regent.postgres;

import java.util.Arrays;
import java.util.List;

/**
 * Parsed {@code postgresql.listen} ({@code addr[,addr…]:port}).
 *
 * @param addresses the {@code listen_addresses} value, as written
 * @param port      the port
 */
public record Listen(String addresses, int port) {

    /** Parses {@code 127.0.0.1,::1:5432}; the port is after the last colon. */
    public static Listen parse(String listen) {
        if (listen == null || listen.isBlank()) {
            throw new PostgresException("postgresql.listen is required (addr[,addr]:port)");
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new PostgresException("postgresql.listen '" + listen + "' has no port (addr[,addr]:port)");
        }
        try {
            int port = Integer.parseInt(listen.substring(colon + 1).strip());
            return new Listen(listen.substring(0, colon).strip(), port);
        } catch (NumberFormatException e) {
            throw new PostgresException("postgresql.listen '" + listen + "' has an invalid port");
        }
    }

    /** Address for local TCP connections: the first listen address, wildcards mapped to loopback as Patroni does. */
    public String localHost() {
        List<String> all = Arrays.stream(addresses.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        String first = all.isEmpty() ? "*" : all.get(0);
        return switch (first) {
            case "*", "0.0.0.0" -> "127.0.0.1";
            case "::" -> "::1";
            default -> first;
        };
    }
}
