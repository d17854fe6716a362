package dev.regent.core.slots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code ignore_slots}: a slot is ignored when every attribute the matcher sets ({@code name},
 * {@code type}, {@code database}, {@code plugin}) equals the slot's (Patroni's ignore_replication_slot).
 */
public record IgnoreMatcher(String name, String type, String database, String plugin) {

    /** The matchers of an {@code ignore_slots} value; entries that are not maps are skipped. */
    public static List<IgnoreMatcher> parse(Object ignoreSlots) {
        List<IgnoreMatcher> out = new ArrayList<>();
        if (!(ignoreSlots instanceof List<?> list)) return out;
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                out.add(new IgnoreMatcher(str(m.get("name")), str(m.get("type")), str(m.get("database")),
                        str(m.get("plugin"))));
            }
        }
        return out;
    }

    private static String str(Object o) {
        return o == null || o.toString().isEmpty() ? null : o.toString();
    }

    public boolean matches(String slotName, String slotType, String slotDatabase, String slotPlugin) {
        return (name == null || name.equals(slotName)) && (type == null || type.equals(slotType))
                && (database == null || database.equals(slotDatabase)) && (plugin == null || plugin.equals(slotPlugin));
    }

    public static boolean anyMatches(List<IgnoreMatcher> matchers, ExistingSlot s) {
        for (IgnoreMatcher m : matchers) {
            if (m.matches(s.name(), s.type(), s.database(), s.plugin())) return true;
        }
        return false;
    }

    public static boolean anyMatches(List<IgnoreMatcher> matchers, String name, SlotSpec s) {
        for (IgnoreMatcher m : matchers) {
            if (m.matches(name, s.type(), s.database(), s.plugin())) return true;
        }
        return false;
    }
}
