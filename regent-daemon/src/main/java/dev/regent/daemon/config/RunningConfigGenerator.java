package dev.regent.daemon.config;

import dev.regent.postgres.ConfigRenderer;
import dev.regent.postgres.UnixSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code regent --generate-config [--dsn DSN] [FILE]}, as Patroni 3+'s {@code patroni --generate-config}: a
 * configuration built from a running PostgreSQL. The superuser connects (DSN, else libpq's {@code PG*} variables, else
 * {@code PATRONI_SUPERUSER_*}); {@code data_dir}, {@code listen}, the parameters set in the configuration file or on
 * the command line (the ones Patroni controls always) go to {@code bootstrap.dcs.postgresql.parameters}, commands and
 * {@code hba_file}/{@code ident_file}/{@code config_file} to {@code postgresql.parameters}; {@code cluster_name}
 * becomes {@code scope}; {@code bin_dir} is the directory of the running postmaster's executable; {@code pg_hba} and
 * {@code pg_ident} are the files' lines when they are the default ones in the data directory. What cannot be known is
 * {@code '#FIXME'}, as Patroni writes it. Not thread-safe; one per run.
 */
public final class RunningConfigGenerator {
    /** Patroni's placeholder for a value the operator has to fill in. */
    public static final String NO_VALUE = "#FIXME";

    /** libpq connection keyword and its environment variable, as Patroni's {@code _AUTH_ALLOWED_PARAMETERS_MAPPING}. */
    private static final Map<String, String> AUTH_ENV = linked("user", "PGUSER", "password", "PGPASSWORD",
            "sslmode", "PGSSLMODE", "sslcert", "PGSSLCERT", "sslkey", "PGSSLKEY", "sslpassword", "",
            "sslrootcert", "PGSSLROOTCERT", "sslcrl", "PGSSLCRL", "sslcrldir", "PGSSLCRLDIR",
            "gssencmode", "PGGSSENCMODE", "channel_binding", "PGCHANNELBINDING");

    /** Parameters written to the local configuration: commands for security, and files so they are kept. */
    private static final Set<String> LOCAL_PARAMETERS = Set.of("archive_command", "restore_command",
            "archive_cleanup_command", "recovery_end_command", "ssl_passphrase_command", "hba_file", "ident_file",
            "config_file");

    private static final String SETTINGS_SQL = "SELECT name, pg_catalog.current_setting(name)"
            + " FROM pg_catalog.pg_settings WHERE context <> 'internal'"
            + " AND source IN ('configuration file', 'command line', 'environment variable')"
            + " AND category <> 'Write-Ahead Log / Recovery Target' AND setting <> '(disabled)'"
            + " OR name = ANY(?)";

    private final Map<String, String> dsn;
    private final Map<String, String> env;
    private final PasswordPrompt prompt;

    /** Asks for the superuser's password when none is given (Patroni's {@code getpass}); null = none available. */
    public interface PasswordPrompt {
        String ask(String message);
    }

    /**
     * @param dsn    libpq connection string (key=value or URI), or null for libpq's defaults and variables
     * @param env    the environment ({@code PG*}, {@code PATRONI_*})
     * @param prompt where a missing password comes from (null: an error)
     */
    public RunningConfigGenerator(String dsn, Map<String, String> env, PasswordPrompt prompt) {
        try {
            this.dsn = dsn == null ? Map.of() : Dsn.parse(dsn);
        } catch (IllegalArgumentException e) {
            throw new GenerateConfigException("Failed to parse DSN string: " + e.getMessage());
        }
        this.env = env;
        this.prompt = prompt;
    }

    /** The configuration as YAML text, in Patroni's section order with its comments. */
    public String generate() {
        Map<String, Object> config = template();
        Map<String, Object> pg = section(config, "postgresql");
        Map<String, Object> dcs = section(section(config, "bootstrap"), "dcs");
        Map<String, Object> dcsParameters = section(section(dcs, "postgresql"), "parameters");
        Map<String, Object> localParameters = section(pg, "parameters");
        Map<String, String> superuser = superuser();
        pg.put("authentication", linkedObj("superuser", superuser,
                "replication", linkedObj("username", NO_VALUE, "password", NO_VALUE)));
        String host = first(dsn.get("host"), env.get("PGHOST"), null);
        String port = first(dsn.get("port"), env.get("PGPORT"), "5432");
        String listenAddresses = null;
        String listenPort = null;
        try (Connection c = connect(host, port, first(dsn.get("dbname"), env.get("PGDATABASE"), "postgres"), superuser)) {
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_catalog.current_setting('is_superuser')")) {
                rs.next();
                if (!"on".equals(rs.getString(1))) {
                    throw new GenerateConfigException("The provided user does not have superuser privilege");
                }
            }
            List<String> required = new ArrayList<>(List.of("hba_file", "ident_file", "config_file",
                    "data_directory"));
            required.addAll(ConfigRenderer.protectedNames());
            required.addAll(List.of("wal_keep_segments", "wal_keep_size"));
            try (PreparedStatement ps = c.prepareStatement(SETTINGS_SQL)) {
                Array names = c.createArrayOf("text", required.toArray());
                ps.setArray(1, names);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        String value = rs.getString(2);
                        if (name.equals("data_directory")) {
                            pg.put("data_dir", value);
                        } else if (name.equals("cluster_name") && !value.isEmpty()) {
                            config.put("scope", value);
                        } else if (LOCAL_PARAMETERS.contains(name)) {
                            localParameters.put(name, value);
                        } else if (name.equals("listen_addresses")) {
                            listenAddresses = value;
                        } else if (name.equals("port")) {
                            listenPort = value;
                        } else {
                            dcsParameters.put(name, value);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new GenerateConfigException("Failed to establish PostgreSQL connection: " + e.getMessage());
        }
        String[] address = address();
        String connectPort = first(dsn.get("port"), env.get("PGPORT"), listenPort);
        pg.put("connect_address", address[1] + ":" + connectPort);
        pg.put("listen", listenAddresses + ":" + listenPort);
        String dataDir = (String) pg.get("data_dir");
        confFiles(pg, localParameters, Path.of(dataDir));
        pg.put("bin_dir", binDir(Path.of(dataDir)));
        return Yamls.format(config);
    }

    /** Patroni's template: placeholders, the host's name and address, its log defaults and dynamic defaults. */
    private Map<String, Object> template() {
        String[] address = address();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("scope", NO_VALUE);
        config.put("name", address[0]);
        config.put("log", linkedObj("type", "plain", "level", "INFO", "traceback_level", "ERROR",
                "format", "%(asctime)s %(levelname)s: %(message)s", "max_queue_size", 1000));
        config.put("restapi", linkedObj("connect_address", address[1] + ":8008", "listen", address[1] + ":8008"));
        Map<String, Object> parameters = new LinkedHashMap<>(ConfigRenderer.protectedDefaults());
        Map<String, Object> dcs = linkedObj("loop_wait", 10, "retry_timeout", 10, "ttl", 30,
                "postgresql", linkedObj("bin_dir", "", "use_slots", true, "parameters", parameters));
        config.put("bootstrap", linkedObj("dcs", dcs));
        config.put("postgresql", linkedObj("data_dir", NO_VALUE, "connect_address", address[1] + ":5432",
                "listen", address[1] + ":5432", "bin_dir", ""));
        config.put("tags", linkedObj("failover_priority", 1, "noloadbalance", false, "clonefrom", true,
                "nosync", false, "nostream", false));
        // the PATRONI_* variables win over the template, as Patroni patches its template with them
        merge(config, EnvConfig.from(env).tree().toPlainMap());
        return config;
    }

    /** The superuser's connection options: DSN, else libpq's variable; the name and password as Patroni finds them. */
    private Map<String, String> superuser() {
        Map<String, String> su = new LinkedHashMap<>();
        AUTH_ENV.forEach((key, var) -> {
            String v = first(dsn.get(key), var.isEmpty() ? null : env.get(var), null);
            if (v != null && !v.isEmpty()) su.put(key, v);
        });
        String user = su.remove("user");
        if (user == null) user = first(env.get("PATRONI_SUPERUSER_USERNAME"), System.getProperty("user.name"), null);
        String password = su.remove("password");
        if (password == null) password = env.get("PATRONI_SUPERUSER_PASSWORD");
        if (password == null || password.isEmpty()) {
            password = prompt == null ? null : prompt.ask("Please enter the user password:");
            if (password == null) {
                throw new GenerateConfigException("no password for the superuser: give it in the DSN, PGPASSWORD or "
                        + "PATRONI_SUPERUSER_PASSWORD");
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("username", user);
        out.put("password", password);
        out.putAll(su);
        return out;
    }

    private Connection connect(String host, String port, String dbname, Map<String, String> superuser)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", superuser.get("username"));
        props.setProperty("password", superuser.get("password"));
        props.setProperty("connectTimeout", "10");
        props.setProperty("ApplicationName", "Patroni");
        for (String k : List.of("sslmode", "sslcert", "sslkey", "sslpassword", "sslrootcert", "gssencmode")) {
            if (superuser.containsKey(k)) props.setProperty(k, superuser.get(k));
        }
        String jdbcHost = host;
        if (host == null || host.startsWith("/")) {
            // libpq's default: the Unix-domain socket (pgjdbc speaks TCP only, hence the socket factory)
            String dir = host != null ? host : Files.exists(Path.of("/var/run/postgresql")) ? "/var/run/postgresql"
                    : "/tmp";
            props.setProperty("socketFactory", UnixSocketFactory.class.getName());
            props.setProperty("socketFactoryArg", UnixSocketFactory.socketFile(dir, Integer.parseInt(port)));
            jdbcHost = "localhost";
        } else if (host.contains(":")) {
            jdbcHost = "[" + host + "]";
        }
        return DriverManager.getConnection("jdbc:postgresql://" + jdbcHost + ":" + port + "/" + dbname, props);
    }

    /** {@code pg_hba}/{@code pg_ident} from the files, only when they are the default ones in the data directory. */
    private static void confFiles(Map<String, Object> pg, Map<String, Object> local, Path dataDir) {
        Path hba = dataDir.resolve("pg_hba.conf");
        if (hba.toString().equals(local.get("hba_file"))) {
            Set<String> types = Set.of("local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc",
                    "include", "include_if_exists", "include_dir");
            pg.put("pg_hba", readStripped(hba, "pg_hba.conf").stream()
                    .filter(l -> !l.isEmpty() && types.contains(l.split("\\s+")[0])).toList());
        }
        Path ident = dataDir.resolve("pg_ident.conf");
        if (ident.toString().equals(local.get("ident_file"))) {
            List<String> lines = readStripped(ident, "pg_ident.conf").stream()
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            if (!lines.isEmpty()) pg.put("pg_ident", lines);
        }
    }

    private static List<String> readStripped(Path file, String what) {
        try {
            return Files.readAllLines(file).stream().map(String::strip).toList();
        } catch (IOException e) {
            throw new GenerateConfigException("Failed to read " + what + ": " + e);
        }
    }

    /** The directory of the running postmaster's executable ({@code postmaster.pid}'s first line). */
    private static String binDir(Path dataDir) {
        long pid;
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                throw new GenerateConfigException("Failed to obtain postmaster pid from postmaster.pid file");
            }
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NoSuchFileException e) {
            throw new GenerateConfigException("Error while reading postmaster.pid file: no " + e.getFile());
        } catch (IOException | NumberFormatException e) {
            throw new GenerateConfigException("Error while reading postmaster.pid file: " + e);
        }
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new GenerateConfigException("Obtained postmaster pid doesn't exist."));
        String exe = postmaster.info().command().orElse(null);
        if (exe == null) {
            try {
                exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString();
            } catch (IOException | UnsupportedOperationException e) {
                throw new GenerateConfigException("cannot read the executable of the postmaster (pid " + pid + "): "
                        + e.getMessage());
            }
        }
        Path parent = Path.of(exe).getParent();
        return parent == null ? "" : parent.toString();
    }

    /** The host's name and its first address, IPv4 first, as Patroni's {@code get_address}; placeholders if none. */
    private static String[] address() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            InetAddress[] all = InetAddress.getAllByName(name);
            return new String[] {name, Arrays.stream(all)
                    .sorted((a, b) -> Integer.compare(a.getAddress().length, b.getAddress().length))
                    .findFirst().map(InetAddress::getHostAddress).orElse(NO_VALUE)};
        } catch (UnknownHostException e) {
            return new String[] {NO_VALUE, NO_VALUE};
        }
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> over) {
        over.forEach((k, v) -> {
            if (v instanceof Map && into.get(k) instanceof Map) {
                merge((Map<String, Object>) into.get(k), (Map<String, Object>) v);
            } else {
                into.put(k, v instanceof Map ? new LinkedHashMap<>((Map<String, Object>) v) : v);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
    }

    private static String first(String a, String b, String c) {
        if (a != null) return a;
        return b != null ? b : c;
    }

    private static Map<String, String> linked(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static Map<String, Object> linkedObj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** A failure that ends {@code --generate-config} with its message (Patroni's {@code sys.exit(str(e))}). */
    public static final class GenerateConfigException extends RuntimeException {
        GenerateConfigException(String message) {
            super(message);
        }
    }

    /** Patroni's layout: top-level sections in its order, the bootstrap section with its warning comments. */
    static final class Yamls {
        private Yamls() {}

        static String format(Map<String, Object> config) {
            DumperOptions o = new DumperOptions();
            o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            o.setIndent(2);
            o.setIndicatorIndent(0);
            o.setWidth(10_000);
            Yaml yaml = new Yaml(o);
            StringBuilder out = new StringBuilder();
            for (String name : List.of("scope", "namespace", "name", "log", "restapi", "ctl", "citus", "consul", "etcd",
                    "etcd3", "exhibitor", "kubernetes", "raft", "zookeeper")) {
                block(out, yaml, config, name);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> bootstrap = (Map<String, Object>) config.get("bootstrap");
            if (bootstrap != null) {
                out.append("\n# The bootstrap configuration. Works only when the cluster is not yet initialized.\n")
                        .append("# If the cluster is already initialized, all changes in the `bootstrap` section are"
                                + " ignored!\n")
                        .append("bootstrap:\n")
                        .append("  # This section will be written into <dcs>:/<namespace>/<scope>/config after"
                                + " initializing\n")
                        .append("  # new cluster and all other cluster members will use it as a `global"
                                + " configuration`.\n")
                        .append("  # WARNING! If you want to change any of the parameters that were set up\n")
                        .append("  # via `bootstrap.dcs` section, please use `patronictl edit-config`!\n");
                String body = yaml.dump(bootstrap);
                out.append(indent(body.stripTrailing(), "  ")).append('\n');
            }
            for (String name : List.of("postgresql", "watchdog", "tags")) {
                block(out, yaml, config, name);
            }
            return out.toString();
        }

        private static void block(StringBuilder out, Yaml yaml, Map<String, Object> config, String name) {
            if (!config.containsKey(name)) return;
            Object v = config.get(name);
            if (v instanceof Map) out.append('\n');
            Map<String, Object> one = new LinkedHashMap<>();
            one.put(name, v);
            out.append(yaml.dump(one));
        }

        private static String indent(String text, String prefix) {
            return prefix + text.replace("\n", "\n" + prefix);
        }
    }
}
