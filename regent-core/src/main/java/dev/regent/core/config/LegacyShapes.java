package dev.regent.core.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rewrites old configuration shapes Patroni still accepts into the current ones (spec §1.1): {@code
 * zookeeper.exhibitor} → {@code exhibitor}; {@code postgresql.superuser/replication/pg_rewind} outside
 * {@code authentication}; {@code postgresql.name} as node name. Pure.
 */
final class LegacyShapes {
    private LegacyShapes() {}

    static ConfigValue normalize(ConfigValue root) {
        ConfigValue out = root;
        ConfigValue zk = out.get("zookeeper");
        if (zk != null && zk.isMap() && zk.get("exhibitor") != null) {
            out = out.without("zookeeper").with("exhibitor", zk.get("exhibitor"));
        }
        ConfigValue pg = out.get("postgresql");
        if (pg != null && pg.isMap()) {
            ConfigValue fixed = normalizePostgresql(pg);
            out = out.with("postgresql", fixed);
            ConfigValue name = fixed.get("name");
            if ((out.get("name") == null || out.get("name").isNull()) && name != null) {
                out = out.with("name", name);
            }
        }
        return out;
    }

    private static ConfigValue normalizePostgresql(ConfigValue pg) {
        ConfigValue out = pg;
        ConfigValue auth = pg.get("authentication");
        if (auth == null || auth.isNull()) {
            Map<String, ConfigValue> users = new LinkedHashMap<>();
            for (String u : new String[] {"replication", "superuser"}) {
                if (pg.get(u) != null) {
                    users.put(u, pg.get(u));
                }
            }
            auth = ConfigValue.map(users, pg.source());
            if (pg.get("use_pg_rewind") == null) {
                out = out.with("use_pg_rewind", new ConfigValue(pg.get("pg_rewind") != null, pg.source()));
            }
        }
        if (auth.isMap() && auth.get("superuser") == null && pg.get("pg_rewind") != null) {
            auth = auth.with("superuser", pg.get("pg_rewind"));
        }
        return out.with("authentication", auth);
    }
}
