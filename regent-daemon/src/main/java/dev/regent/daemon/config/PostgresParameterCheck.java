package dev.regent.daemon.config;

import dev.regent.core.config.ConfigError;
import dev.regent.core.config.ConfigValue;
import dev.regent.postgres.ConfigRenderer;
import dev.regent.postgres.GucCatalogue;
import dev.regent.postgres.ParameterValidator;
import dev.regent.postgres.PatroniGucTable;
import dev.regent.postgres.PgBinaries;
import dev.regent.postgres.PostgresException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --validate-config}'s check of PostgreSQL parameters against the local server (postgresql.bin_dir, else
 * {@code pg_config --bindir}): the findings the daemon would log when writing postgresql.conf, as warnings with the
 * key path and file:line of each parameter. Runs {@code postgres --version} and {@code --describe-config} (blocking
 * up to 30 s each); stateless.
 */
final class PostgresParameterCheck {
    private static final List<String> PARAMETER_BLOCKS = List.of("bootstrap.dcs.postgresql.parameters",
            "postgresql.parameters");
    private static final List<String> RECOVERY_BLOCKS = List.of("bootstrap.dcs.postgresql.recovery_conf",
            "postgresql.recovery_conf");

    private PostgresParameterCheck() {}

    /** Warnings for every parameter the local PostgreSQL would not accept (dropped or clamped). */
    static List<ConfigError> check(ConfigValue tree) {
        List<ConfigError> out = new ArrayList<>();
        if (tree == null || !hasAnyBlock(tree)) {
            return out;
        }
        ParameterValidator validator;
        try {
            ConfigValue binDir = tree.at("postgresql.bin_dir");
            ConfigValue binName = tree.at("postgresql.bin_name.postgres");
            PgBinaries bin = new PgBinaries(binDir == null || !binDir.isScalar() ? null : binDir.text(),
                    binName == null || !binName.isScalar() ? null : Map.of("postgres", binName.text()));
            GucCatalogue catalogue = bin.catalogue();
            validator = new ParameterValidator(bin.version(), catalogue);
        } catch (PostgresException | IllegalStateException e) {
            out.add(new ConfigError("postgresql.parameters", null, "cannot check the parameters against the local "
                    + "PostgreSQL: " + e.getMessage(), true));
            return out;
        }
        int version = validator.version();
        for (String block : PARAMETER_BLOCKS) {
            Map<String, ParameterValidator.Sourced> given = new LinkedHashMap<>();
            Map<String, Object> plain = new LinkedHashMap<>();
            Map<String, String> sources = new LinkedHashMap<>();
            entries(tree, block).forEach((name, v) -> {
                // protected GUCs follow Patroni's own rules (set by Regent, or their default when invalid);
                // recovery GUCs are checked as recovery settings
                if (ConfigRenderer.protectedNames().contains(name) || PatroniGucTable.get().isRecoveryParameter(name)) {
                    return;
                }
                plain.put(name, v.toPlain());
                sources.put(name, v.source());
            });
            Map<String, Object> translated = ConfigRenderer.forVersion(plain, version);
            translated.forEach((name, value) -> {
                if (sources.containsKey(name)) {
                    given.put(name, new ParameterValidator.Sourced(value, sources.get(name)));
                }
            });
            add(out, block, validator.parameters(given));
        }
        for (String block : RECOVERY_BLOCKS) {
            Map<String, ParameterValidator.Sourced> given = new LinkedHashMap<>();
            entries(tree, block).forEach((name, v) -> {
                String lower = name.toLowerCase(java.util.Locale.ROOT);
                if (!lower.equals("primary_conninfo") && !lower.equals("standby_mode")) {
                    given.put(name, new ParameterValidator.Sourced(v.toPlain(), v.source()));
                }
            });
            add(out, block, validator.recovery(given));
        }
        return out;
    }

    private static boolean hasAnyBlock(ConfigValue tree) {
        return PARAMETER_BLOCKS.stream().anyMatch(b -> !entries(tree, b).isEmpty())
                || RECOVERY_BLOCKS.stream().anyMatch(b -> !entries(tree, b).isEmpty());
    }

    private static Map<String, ConfigValue> entries(ConfigValue tree, String block) {
        ConfigValue v = tree.at(block);
        return v == null || !v.isMap() ? Map.of() : v.entries();
    }

    private static void add(List<ConfigError> out, String block, ParameterValidator.Result r) {
        for (ParameterValidator.Finding f : r.findings()) {
            out.add(new ConfigError(block + "." + f.name(), f.source(), f.message(), true));
        }
    }
}
