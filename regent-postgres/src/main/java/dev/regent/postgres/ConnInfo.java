package dev.regent.postgres;

import dev.regent.core.config.NodeConfig.PgUser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libpq connection strings as Patroni's {@code format_dsn} writes them (primary_conninfo, the pg_basebackup and
 * pg_rewind {@code --dbname}/{@code --source-server}): only the keywords Patroni knows, in its order, each left out
 * when the server version is older than the libpq that knows it (so that an older walreceiver never rejects
 * primary_conninfo). A user's connection options from {@code postgresql.authentication.<user>} ({@code sslmode},
 * {@code sslcert}, {@code sslkey}, {@code sslpassword}, {@code sslrootcert}, {@code sslcrl}, {@code sslcrldir},
 * {@code sslnegotiation}, {@code gssencmode}, {@code channel_binding}) are merged in as Patroni's
 * {@code conn_kwargs(auth)} does. Pure; thread-safe.
 */
public final class ConnInfo {
    /** format_dsn's keywords in its order ({@code password} is never written: Regent always uses pgpass). */
    static final List<String> KEYWORDS = List.of("dbname", "user", "passfile", "host", "port", "sslmode",
            "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir",
            "application_name", "krbsrvname", "gssencmode", "channel_binding", "target_session_attrs",
            "sslnegotiation");

    /** The first server version (as server_version_num) whose libpq knows a keyword; others are known by all. */
    private static final Map<String, Integer> SINCE = Map.of("target_session_attrs", 100000,
            "gssencmode", 120000, "channel_binding", 130000, "sslpassword", 130000, "sslcrldir", 140000,
            "sslnegotiation", 170000);

    /** The connection options a {@code postgresql.authentication} user may carry besides username and password. */
    public static final List<String> USER_OPTIONS = List.of("sslmode", "sslcert", "sslkey", "sslpassword",
            "sslrootcert", "sslcrl", "sslcrldir", "sslnegotiation", "gssencmode", "channel_binding");

    private ConnInfo() {}

    /**
     * The connection options of {@code user} (see {@link #USER_OPTIONS}) as text, in that order; empty for a null user
     * or one without options. Unknown keys are dropped (the configuration reader warns about them).
     */
    public static Map<String, String> userOptions(PgUser user) {
        Map<String, String> out = new LinkedHashMap<>();
        if (user == null || user.options() == null) return out;
        for (String k : USER_OPTIONS) {
            Object v = user.options().get(k);
            if (v != null) out.put(k, v.toString());
        }
        return out;
    }

    /**
     * Patroni's {@code conn_kwargs(auth)} for {@code user}: {@code dbname} (null: none), the user's name and options,
     * host and port
     * ({@code hosts} and {@code ports} comma-separated for several servers).
     */
    public static Map<String, String> forUser(String hosts, String ports, String dbname, PgUser user) {
        Map<String, String> kw = new LinkedHashMap<>();
        kw.put("dbname", dbname);
        kw.put("user", user == null ? null : user.username());
        kw.put("host", hosts);
        kw.put("port", ports);
        kw.putAll(userOptions(user));
        return kw;
    }

    /**
     * {@code k=v} pairs of {@code params} separated by spaces, in {@link #KEYWORDS} order, leaving out null values,
     * keywords Patroni does not write and keywords newer than {@code version}; quotes, backslashes and spaces in
     * values backslash-escaped.
     */
    public static String format(Map<String, String> params, int version) {
        List<String> parts = new ArrayList<>();
        for (String k : KEYWORDS) {
            String v = params.get(k);
            if (v != null && version >= SINCE.getOrDefault(k, 0)) {
                parts.add(k + "=" + v.replaceAll("(['\\\\ ])", "\\\\$1"));
            }
        }
        return String.join(" ", parts);
    }
}
