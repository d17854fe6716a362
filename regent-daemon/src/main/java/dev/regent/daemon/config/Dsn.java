package dev.regent.daemon.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * libpq connection strings: {@code key=value ...} (values optionally single-quoted, backslash escapes) or
 * {@code postgresql://user:password@host:port/dbname?key=value}. Stateless.
 */
final class Dsn {
    private Dsn() {}

    /** The keywords and values; throws {@link IllegalArgumentException} naming what is wrong. */
    static Map<String, String> parse(String dsn) {
        String s = dsn.strip();
        if (s.startsWith("postgresql://") || s.startsWith("postgres://")) return parseUri(s);
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            if (i >= s.length()) break;
            int eq = s.indexOf('=', i);
            if (eq < 0) throw new IllegalArgumentException("invalid DSN: missing \"=\" after \"" + s.substring(i) + "\"");
            String key = s.substring(i, eq).strip();
            i = eq + 1;
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            StringBuilder value = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < s.length()) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < s.length()) {
                        value.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) throw new IllegalArgumentException("invalid DSN: unterminated quoted value of " + key);
            } else {
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < s.length()) c = s.charAt(i++);
                    value.append(c);
                }
            }
            if (key.isEmpty()) throw new IllegalArgumentException("invalid DSN: empty keyword");
            out.put(key, value.toString());
        }
        return out;
    }

    private static Map<String, String> parseUri(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        String rest = s.substring(s.indexOf("://") + 3);
        int q = rest.indexOf('?');
        String query = q < 0 ? null : rest.substring(q + 1);
        if (q >= 0) rest = rest.substring(0, q);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (slash >= 0 && slash < rest.length() - 1) out.put("dbname", decode(rest.substring(slash + 1)));
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userinfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userinfo.indexOf(':');
            out.put("user", decode(colon < 0 ? userinfo : userinfo.substring(0, colon)));
            if (colon >= 0) out.put("password", decode(userinfo.substring(colon + 1)));
        }
        if (!authority.isEmpty()) {
            String host = authority;
            int colon = authority.lastIndexOf(':');
            if (colon >= 0 && colon > authority.lastIndexOf(']')) {
                out.put("port", authority.substring(colon + 1));
                host = authority.substring(0, colon);
            }
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (!host.isEmpty()) out.put("host", decode(host));
        }
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
