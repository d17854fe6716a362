package dev.regent.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Checks GUCs against one server version before they are written where postgres reads them, as Patroni's validator
 * does: a name is kept when the server's own catalogue ({@code --describe-config}) lists it, when Patroni's table
 * knows it for that version (developer GUCs are missing from describe-config), or when it contains a dot (extension
 * GUCs pass through). Values are checked by type; a number outside its bounds is clamped to the bound (Patroni's
 * behaviour), anything else that postgres would refuse is dropped. Every change is a {@link Finding}. Pure.
 */
public final class ParameterValidator {
    private final int version;
    private final GucCatalogue catalogue;
    private final PatroniGucTable table;

    /**
     * @param version   server_version_num of the server the values are for
     * @param catalogue that server's describe-config, or null when unknown (then Patroni's table alone decides)
     */
    public ParameterValidator(int version, GucCatalogue catalogue) {
        this.version = version;
        this.catalogue = catalogue;
        this.table = PatroniGucTable.get();
    }

    /** The server version checked against. */
    public int version() {
        return version;
    }

    /** A value and where it came from ({@code postgres0.yml:42}, {@code dynamic configuration (/config)}, ...). */
    public record Sourced(Object value, String source) {}

    /**
     * One parameter removed or changed.
     *
     * @param name    the GUC
     * @param value   the value as given
     * @param source  where it came from
     * @param message what happened and why
     * @param dropped true when the parameter was removed, false when its value was clamped
     */
    public record Finding(String name, Object value, String source, String message, boolean dropped) {
        @Override
        public String toString() {
            return message + " (from " + source + ")";
        }
    }

    /** The kept server parameters (given order, clamped values rendered as text) and the findings. */
    public record Result(Map<String, String> kept, List<Finding> findings) {}

    /** Validates server parameters (postgresql.conf section). Recovery GUCs must have been split off before. */
    public Result parameters(Map<String, Sourced> given) {
        return check(given, false);
    }

    /** Validates recovery parameters (recovery.conf before 12, the recovery block of postgresql.conf since 12). */
    public Result recovery(Map<String, Sourced> given) {
        return check(given, true);
    }

    private Result check(Map<String, Sourced> given, boolean recovery) {
        Map<String, String> kept = new LinkedHashMap<>();
        List<Finding> findings = new ArrayList<>();
        given.forEach((name, sv) -> {
            String value = ConfigRenderer.gucValue(sv.value());
            Optional<GucSpec> known = recovery ? table.recovery(name, version) : table.parameter(name, version);
            if (!recovery && name.contains(".") && known.isEmpty()) {
                kept.put(name, value);
                return;
            }
            // describe-config lists recovery GUCs only since 12; before, Patroni's table is the only authority
            boolean listed = catalogue != null && (!recovery || version >= 120000) && catalogue.contains(name);
            if (!listed && known.isEmpty()) {
                findings.add(new Finding(name, sv.value(), sv.source(), "Removing unexpected parameter=" + name
                        + " value=" + value + " from the config: PostgreSQL " + major(version)
                        + " does not know it", true));
                return;
            }
            GucSpec spec = known.orElseGet(() -> catalogue.get(name).orElseThrow());
            String checked = checkValue(spec, known.isPresent(), name, value, sv, findings);
            if (checked != null) {
                kept.put(name, checked);
            }
        });
        return new Result(kept, findings);
    }

    /** The value to write (maybe clamped), or null after adding a finding when postgres would refuse it. */
    private String checkValue(GucSpec spec, boolean fromTable, String name, String value, Sourced sv,
                              List<Finding> findings) {
        String kind = spec.type().name().toLowerCase(Locale.ROOT).replace("_", "");
        switch (spec.type()) {
            case BOOL -> {
                if (GucValues.parseBool(value) != null) {
                    return value;
                }
            }
            case ENUM, ENUM_BOOL -> {
                if (spec.values().isEmpty() || spec.values().contains(value.strip().toLowerCase(Locale.ROOT))
                        || (spec.type() == GucSpec.Type.ENUM_BOOL && GucValues.parseBool(value) != null)) {
                    return value;
                }
            }
            case INTEGER, REAL -> {
                boolean integer = spec.type() == GucSpec.Type.INTEGER;
                if (!fromTable && value.strip().matches(".*\\d\\s*[A-Za-z]+")) {
                    // describe-config gives no unit: accept any PostgreSQL unit, bounds cannot be compared
                    if (GucValues.parseNumber(value, "B", integer).isPresent()
                            || GucValues.parseNumber(value, "us", integer).isPresent()) {
                        return value;
                    }
                    break;
                }
                OptionalDouble n = GucValues.parseNumber(value, spec.unit(), integer);
                if (n.isEmpty()) {
                    break;
                }
                // "16 x 8kB" rather than Patroni's "168kB" for units with a multiplier
                String unit = spec.unit() == null ? "" : Character.isDigit(spec.unit().charAt(0))
                        ? " x " + spec.unit() : spec.unit();
                if (spec.min() != null && n.getAsDouble() < spec.min()) {
                    String to = number(spec.min());
                    findings.add(new Finding(name, sv.value(), sv.source(), "Value=" + value + " of parameter="
                            + name + " is too low, increasing to " + to + unit, false));
                    return to;
                }
                if (spec.max() != null && n.getAsDouble() > spec.max()) {
                    String to = number(spec.max());
                    findings.add(new Finding(name, sv.value(), sv.source(), "Value=" + value + " of parameter="
                            + name + " is too big, decreasing to " + to + unit, false));
                    return to;
                }
                return value;
            }
            default -> {
                return value;
            }
        }
        findings.add(new Finding(name, sv.value(), sv.source(), "Removing " + kind + " parameter=" + name
                + " from the config due to the invalid value=" + value, true));
        return null;
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** {@code 15} for 150008, {@code 9.6} for 90624. */
    static String major(int version) {
        return version >= 100000 ? Integer.toString(version / 10000)
                : (version / 10000) + "." + (version / 100 % 100);
    }
}
