package dev.regent.postgres;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The GUCs Patroni's validator knows, by server version: the {@code parameters} section (written to postgresql.conf)
 * and the {@code recovery} section (recovery.conf before 12, the {@code # recovery.conf} block of postgresql.conf
 * since 12). Read once from the {@code patroni-gucs.tsv} resource; immutable and thread-safe afterwards.
 */
public final class PatroniGucTable {
    private static final PatroniGucTable INSTANCE = load();

    private final Map<String, List<GucSpec>> parameters;
    private final Map<String, List<GucSpec>> recovery;

    private PatroniGucTable(Map<String, List<GucSpec>> parameters, Map<String, List<GucSpec>> recovery) {
        this.parameters = parameters;
        this.recovery = recovery;
    }

    /** The table shipped with Regent. */
    public static PatroniGucTable get() {
        return INSTANCE;
    }

    /** The spec of server parameter {@code name} (case-insensitive) for {@code version}, if Patroni knows one. */
    public Optional<GucSpec> parameter(String name, int version) {
        return find(parameters, name, version);
    }

    /** The spec of recovery parameter {@code name} (case-insensitive) for {@code version}, if Patroni knows one. */
    public Optional<GucSpec> recovery(String name, int version) {
        return find(recovery, name, version);
    }

    /** True if {@code name} is a recovery parameter in any version (Patroni's {@code _RECOVERY_PARAMETERS}). */
    public boolean isRecoveryParameter(String name) {
        return recovery.containsKey(name.toLowerCase(Locale.ROOT));
    }

    private static Optional<GucSpec> find(Map<String, List<GucSpec>> section, String name, int version) {
        return section.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()).stream()
                .filter(s -> s.appliesTo(version)).findFirst();
    }

    private static PatroniGucTable load() {
        Map<String, List<GucSpec>> params = new HashMap<>();
        Map<String, List<GucSpec>> rec = new HashMap<>();
        try (InputStream in = PatroniGucTable.class.getResourceAsStream("patroni-gucs.tsv")) {
            if (in == null) {
                throw new IllegalStateException("resource patroni-gucs.tsv is missing from regent-postgres");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = Arrays.copyOf(line.split("\t", -1), 9);
                GucSpec spec = new GucSpec(f[1], type(f[2]), Integer.parseInt(f[3]), intOrZero(f[4]), num(f[5]),
                        num(f[6]), blankToNull(f[7]), f[8] == null || f[8].isEmpty() ? List.of()
                        : List.of(f[8].split(",", -1)));
                (f[0].equals("recovery") ? rec : params).computeIfAbsent(f[1].toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(spec);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read patroni-gucs.tsv", e);
        }
        return new PatroniGucTable(Map.copyOf(params), Map.copyOf(rec));
    }

    private static GucSpec.Type type(String s) {
        return switch (s) {
            case "Bool" -> GucSpec.Type.BOOL;
            case "Integer" -> GucSpec.Type.INTEGER;
            case "Real" -> GucSpec.Type.REAL;
            case "Enum" -> GucSpec.Type.ENUM;
            case "EnumBool" -> GucSpec.Type.ENUM_BOOL;
            default -> GucSpec.Type.STRING;
        };
    }

    private static int intOrZero(String s) {
        return s == null || s.isEmpty() ? 0 : Integer.parseInt(s);
    }

    private static Double num(String s) {
        return s == null || s.isEmpty() ? null : Double.valueOf(s);
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
