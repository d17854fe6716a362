package dev.regent.daemon.config;

import dev.regent.core.config.ConfigError;
import dev.regent.core.config.ConfigValue;
import dev.regent.core.config.NodeConfig;
import dev.regent.core.config.NodeConfigValidator;
import dev.regent.core.config.UnsupportedSettings;
import dev.regent.core.config.ValidationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads the local configuration the way Patroni does (spec §1.1): from a file or a directory of {@code *.yml} /
 * {@code *.yaml} files (sorted by name, deep-merged, later wins) with {@code PATRONI_*} environment overrides merged
 * over it; without a path, from {@code PATRONI_CONFIGURATION} (exclusive), else from the environment alone. Then
 * validates it into a {@link NodeConfig}.
 *
 * <p>Java cannot remove variables from its own environment, so unlike Patroni the variables stay visible to child
 * processes; {@link Loaded#usedEnvVariables()} names them so that whoever starts PostgreSQL and callbacks can drop
 * them from the child's {@code ProcessBuilder.environment()}. Blocks on file I/O; stateless and thread-safe.
 */
public final class ConfigLoader {
    /** Name of the variable holding a whole YAML configuration. */
    public static final String CONFIGURATION_VAR = "PATRONI_CONFIGURATION";

    private ConfigLoader() {}

    /**
     * The loaded configuration.
     *
     * @param tree             the merged tree that was validated (null if it could not be read)
     * @param config           the typed configuration, or null when there are errors
     * @param problems         every error and warning (read, environment and validation problems)
     * @param usedEnvVariables the {@code PATRONI_*} variables that were read
     */
    public record Loaded(ConfigValue tree, NodeConfig config, List<ConfigError> problems,
                         Set<String> usedEnvVariables) {
        public boolean hasErrors() {
            return problems.stream().anyMatch(e -> !e.warning());
        }

        public List<ConfigError> errors() {
            return problems.stream().filter(e -> !e.warning()).toList();
        }

        public List<ConfigError> warnings() {
            return problems.stream().filter(ConfigError::warning).toList();
        }

        /**
         * One message naming every setting of the local file and its {@code bootstrap.dcs} that Regent does not
         * support and that stops the node, or null when there is none.
         */
        public String unsupportedRefusal() {
            return tree == null ? null
                    : UnsupportedSettings.refusal(UnsupportedSettings.findInLocalConfiguration(tree));
        }
    }

    /**
     * Loads and validates.
     *
     * @param path a YAML file, a directory of YAML files, or null (then the environment is the source)
     * @param env  the process environment (usually {@code System.getenv()})
     */
    public static Loaded load(Path path, Map<String, String> env) {
        List<ConfigError> problems = new ArrayList<>();
        ConfigValue tree;
        Set<String> used;
        try {
            if (path != null) {
                EnvConfig.Result fromEnv = EnvConfig.from(env);
                problems.addAll(fromEnv.problems());
                tree = readPath(path).mergedWith(fromEnv.tree());
                used = fromEnv.usedVariables();
            } else if (env.get(CONFIGURATION_VAR) != null && !env.get(CONFIGURATION_VAR).isBlank()) {
                tree = YamlTreeReader.read(env.get(CONFIGURATION_VAR), "env " + CONFIGURATION_VAR, true);
                used = Set.of(CONFIGURATION_VAR);
            } else {
                EnvConfig.Result fromEnv = EnvConfig.from(env);
                problems.addAll(fromEnv.problems());
                tree = fromEnv.tree();
                used = fromEnv.usedVariables();
            }
        } catch (IOException | YamlTreeReader.YamlSyntaxException e) {
            problems.add(new ConfigError("", path == null ? null : path.toString(), e.getMessage(), false));
            return new Loaded(null, null, problems, Set.of());
        }
        ValidationResult result = NodeConfigValidator.validate(tree);
        problems.addAll(result.problems());
        return new Loaded(tree, result.config(), problems, used);
    }

    /** Reads a file, or all {@code *.yml}/{@code *.yaml} files of a directory in sorted order, deep-merged. */
    public static ConfigValue readPath(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException("configuration path " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            return readFile(path);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(path)) {
            files = s.filter(p -> Files.isRegularFile(p))
                    .filter(p -> p.getFileName().toString().endsWith(".yml")
                            || p.getFileName().toString().endsWith(".yaml"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no *.yml or *.yaml files in directory " + path);
        }
        ConfigValue merged = ConfigValue.emptyMap(path.toString());
        for (Path f : files) {
            merged = merged.mergedWith(readFile(f));
        }
        return merged;
    }

    private static ConfigValue readFile(Path file) throws IOException {
        ConfigValue v = YamlTreeReader.read(Files.readString(file, StandardCharsets.UTF_8), file.toString(), true);
        if (!v.isMap()) {
            throw new IOException(file + ": the configuration must be a YAML mapping");
        }
        return v;
    }
}
