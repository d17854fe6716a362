package dev.regent.postgres;

import java.util.List;

/**
 * What one PostgreSQL server version accepts for one GUC: its type, the bounds of a number (in its base unit) and the
 * values of an enum. Immutable.
 *
 * @param name        GUC name as PostgreSQL spells it
 * @param type        value type
 * @param versionFrom first server version (server_version_num, e.g. 130000) that has the GUC in this shape
 * @param versionTill first version that no longer has it in this shape, or 0 when it is still current
 * @param min         lower bound of a number in {@code unit}, or null when unknown
 * @param max         upper bound of a number in {@code unit}, or null when unknown
 * @param unit        base unit of a number ({@code 8kB}, {@code MB}, {@code ms}, ...), or null when unit-less/unknown
 * @param values      accepted enum values (lowercase); empty when unknown or not an enum
 */
public record GucSpec(String name, Type type, int versionFrom, int versionTill, Double min, Double max, String unit,
                      List<String> values) {
    /** Value types, as PostgreSQL's describe-config and Patroni's validator name them. */
    public enum Type { BOOL, INTEGER, REAL, ENUM, ENUM_BOOL, STRING }

    public GucSpec {
        values = values == null ? List.of() : List.copyOf(values);
    }

    /** True if server version {@code version} has the GUC in this shape. */
    public boolean appliesTo(int version) {
        return version >= versionFrom && (versionTill == 0 || version < versionTill);
    }
}
