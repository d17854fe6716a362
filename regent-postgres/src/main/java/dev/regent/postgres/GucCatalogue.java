package dev.regent.postgres;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The GUCs one PostgreSQL binary accepts, parsed from its {@code postgres --describe-config} output (tab-separated:
 * name, context, group, type, reset value, min, max, descriptions). That output has no units and no enum values; it
 * omits developer GUCs (GUC_NOT_IN_SAMPLE, e.g. {@code zero_damaged_pages}). Immutable and thread-safe.
 */
public final class GucCatalogue {
    private final int version;
    private final Map<String, GucSpec> gucs;
    private final Map<String, String> resets;

    private GucCatalogue(int version, Map<String, GucSpec> gucs, Map<String, String> resets) {
        this.version = version;
        this.gucs = gucs;
        this.resets = resets;
    }

    /** Parses describe-config output of a server of {@code version} (server_version_num). Bad lines are skipped. */
    public static GucCatalogue parse(int version, String describeConfig) {
        Map<String, GucSpec> out = new LinkedHashMap<>();
        Map<String, String> resets = new LinkedHashMap<>();
        for (String line : describeConfig.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length < 7 || f[0].isBlank()) {
                continue;
            }
            GucSpec.Type type = switch (f[3].strip()) {
                case "BOOLEAN" -> GucSpec.Type.BOOL;
                case "INTEGER" -> GucSpec.Type.INTEGER;
                case "REAL" -> GucSpec.Type.REAL;
                case "ENUM" -> GucSpec.Type.ENUM;
                default -> GucSpec.Type.STRING;
            };
            resets.put(f[0].strip().toLowerCase(Locale.ROOT), f[4]);
            out.put(f[0].strip().toLowerCase(Locale.ROOT), new GucSpec(f[0].strip(), type, version, 0, num(f[5]),
                    num(f[6]), null, List.of()));
        }
        return new GucCatalogue(version, Map.copyOf(out), Map.copyOf(resets));
    }

    /** Server version of the binary described. */
    public int version() {
        return version;
    }

    /** True if the server lists {@code name} (case-insensitive). */
    public boolean contains(String name) {
        return gucs.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** The server's own description of {@code name}: type and unit-less bounds. */
    public Optional<GucSpec> get(String name) {
        return Optional.ofNullable(gucs.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The server's built-in default of {@code name} (e.g. the compiled-in unix_socket_directories), or null. */
    public String defaultValue(String name) {
        return resets.get(name.toLowerCase(Locale.ROOT));
    }

    /** Number of GUCs listed. */
    public int size() {
        return gucs.size();
    }

    private static Double num(String s) {
        try {
            return s == null || s.isBlank() ? null : Double.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
