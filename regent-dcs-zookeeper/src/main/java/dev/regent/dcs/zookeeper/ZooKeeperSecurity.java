package dev.regent.dcs.zookeeper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.curator.framework.AuthInfo;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * Patroni's {@code set_acls} and {@code auth_data}. {@code set_acls} maps a principal to its permissions
 * ({@code CREATE}, {@code READ}, {@code WRITE}, {@code DELETE}, {@code ADMIN}, {@code ALL}); every znode Regent creates
 * gets these ACLs. A principal is {@code scheme:credential} when it starts with a ZooKeeper scheme ({@code digest},
 * {@code x509}, {@code ip}, {@code sasl}, {@code world}, {@code auth}), else an x509 name (Patroni's default scheme).
 * {@code auth_data} maps a scheme to the credential the session authenticates with (e.g. {@code digest:
 * user:password}). Immutable.
 *
 * @param acls ACLs for created znodes; empty = ZooKeeper's open ACL
 * @param auth credentials added to every session
 */
public record ZooKeeperSecurity(List<ACL> acls, List<AuthInfo> auth) {
    private static final Set<String> SCHEMES = Set.of("digest", "x509", "ip", "sasl", "world", "auth");
    private static final Map<String, Integer> PERMS = Map.of("READ", ZooDefs.Perms.READ, "WRITE",
            ZooDefs.Perms.WRITE, "CREATE", ZooDefs.Perms.CREATE, "DELETE", ZooDefs.Perms.DELETE, "ADMIN",
            ZooDefs.Perms.ADMIN, "ALL", ZooDefs.Perms.ALL);
    static final ZooKeeperSecurity NONE = new ZooKeeperSecurity(List.of(), List.of());

    public ZooKeeperSecurity {
        // not List.copyOf: ZooKeeper checks acls.contains(null), which immutable lists refuse
        acls = java.util.Collections.unmodifiableList(new ArrayList<>(acls));
        auth = List.copyOf(auth);
    }

    /** From a {@code zookeeper} or {@code exhibitor} section; {@link IllegalArgumentException} names a bad key. */
    static ZooKeeperSecurity fromMap(String sectionName, Map<String, Object> section) {
        List<ACL> acls = new ArrayList<>();
        for (Map.Entry<String, Object> e : map(sectionName + ".set_acls", section.get("set_acls")).entrySet()) {
            String where = sectionName + ".set_acls." + e.getKey();
            acls.add(new ACL(perms(where, e.getValue()), principal(where, e.getKey())));
        }
        List<AuthInfo> auth = new ArrayList<>();
        for (Map.Entry<String, Object> e : map(sectionName + ".auth_data", section.get("auth_data")).entrySet()) {
            if (e.getValue() == null || e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
                throw new IllegalArgumentException(sectionName + ".auth_data." + e.getKey()
                        + " must be a credential string");
            }
            auth.add(new AuthInfo(e.getKey(), e.getValue().toString().getBytes(StandardCharsets.UTF_8)));
        }
        return new ZooKeeperSecurity(acls, auth);
    }

    private static Map<String, Object> map(String path, Object value) {
        if (value == null) return Map.of();
        if (!(value instanceof Map<?, ?> m)) throw new IllegalArgumentException(path + " must be a mapping");
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static Id principal(String where, String principal) {
        int colon = principal.indexOf(':');
        if (colon > 0 && SCHEMES.contains(principal.substring(0, colon).toLowerCase(Locale.ROOT))) {
            String cred = principal.substring(colon + 1);
            if (cred.isEmpty()) throw new IllegalArgumentException(where + ": the principal has no credential");
            return new Id(principal.substring(0, colon).toLowerCase(Locale.ROOT), cred);
        }
        if (principal.isBlank()) throw new IllegalArgumentException(where + ": empty principal");
        return new Id("x509", principal);
    }

    private static int perms(String where, Object value) {
        List<String> names = new ArrayList<>();
        if (value instanceof List<?> l) {
            l.forEach(v -> names.add(String.valueOf(v)));
        } else if (value instanceof String s) {
            for (String p : s.split(",")) names.add(p);
        } else {
            throw new IllegalArgumentException(where + " must be a list of permissions " + PERMS.keySet());
        }
        int perms = 0;
        for (String n : names) {
            Integer p = PERMS.get(n.strip().toUpperCase(Locale.ROOT));
            if (p == null) {
                throw new IllegalArgumentException(where + ": unknown permission '" + n.strip() + "' (one of "
                        + "CREATE, READ, WRITE, DELETE, ADMIN, ALL)");
            }
            perms |= p;
        }
        if (perms == 0) throw new IllegalArgumentException(where + " grants no permission");
        return perms;
    }
}
