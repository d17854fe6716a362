package dev.regent.daemon.config;

import dev.regent.core.config.ConfigError;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The non-daemon CLI modes {@code --validate-config} and {@code --generate-sample-config} (spec §1.1), as plain
 * methods the daemon's {@code main} calls. Stateless; thread-safe.
 */
public final class ConfigCli {
    private ConfigCli() {}

    /**
     * Loads and validates the configuration, printing every error and warning (key path and {@code file:line} or
     * {@code env VAR}) to {@code out}.
     *
     * @param path file or directory, or null to use the environment
     * @return the process exit code: 0 when valid (warnings allowed), 1 on errors
     */
    public static int validateConfig(Path path, Map<String, String> env, PrintStream out) {
        ConfigLoader.Loaded loaded = ConfigLoader.load(path, env);
        for (ConfigError e : loaded.errors()) {
            out.println(e);
        }
        List<ConfigError> warnings = new ArrayList<>(loaded.warnings());
        // what the local PostgreSQL would refuse: the parameters the daemon drops (or clamps) before writing them
        warnings.addAll(PostgresParameterCheck.check(loaded.tree()));
        for (ConfigError e : warnings) {
            out.println(e);
        }
        String what = path == null ? "configuration from the environment" : path.toString();
        if (loaded.hasErrors()) {
            String refusal = loaded.unsupportedRefusal();
            if (refusal != null) {
                out.println("the node would refuse to start: " + refusal);
            }
            out.println(what + ": " + loaded.errors().size() + " error(s), " + warnings.size() + " warning(s)");
            return 1;
        }
        out.println(what + ": valid" + (warnings.isEmpty() ? "" : " with " + warnings.size() + " warning(s)"));
        return 0;
    }

    /**
     * {@code --generate-config [--dsn DSN] [FILE]}: a configuration from the running PostgreSQL (see
     * {@link RunningConfigGenerator}) to {@code FILE} (its directories created) or {@code out}. A missing password is
     * asked on the terminal when there is one.
     *
     * @return the exit code: 0 written, 1 failed (the reason on {@code err}), 2 bad arguments
     */
    public static int generateConfig(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String dsn = null;
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--dsn") && i + 1 < args.length) {
                dsn = args[++i];
            } else if (args[i].startsWith("--dsn=")) {
                dsn = args[i].substring("--dsn=".length());
            } else if (!args[i].startsWith("-") && file == null) {
                file = args[i];
            } else {
                err.println("regent: usage: regent --generate-config [--dsn DSN] [FILE]");
                return 2;
            }
        }
        java.io.Console console = System.console();
        RunningConfigGenerator.PasswordPrompt prompt = console == null ? null : message -> {
            char[] p = console.readPassword("%s", message);
            return p == null ? null : new String(p);
        };
        String yaml;
        try {
            yaml = new RunningConfigGenerator(dsn, env, prompt).generate();
        } catch (RunningConfigGenerator.GenerateConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
        if (file == null) {
            out.print(yaml);
            return 0;
        }
        try {
            Path target = Path.of(file);
            if (target.getParent() != null) java.nio.file.Files.createDirectories(target.getParent());
            java.nio.file.Files.writeString(target, yaml);
            return 0;
        } catch (java.io.IOException e) {
            err.println("regent: cannot write " + file + ": " + e.getMessage());
            return 1;
        }
    }

    /** A complete, valid Patroni-style configuration for a node using etcd v3. */
    public static String generateSampleConfig() {
        return """
                # Regent / Patroni configuration (etcd v3). See the Patroni documentation for every key.
                scope: demo
                namespace: /service
                name: node1

                log:
                  level: INFO
                  type: plain

                restapi:
                  listen: 0.0.0.0:8008
                  connect_address: 127.0.0.1:8008
                #  authentication:
                #    username: admin
                #    password: change-me

                etcd3:
                  hosts:
                    - 127.0.0.1:2379

                bootstrap:
                  dcs:
                    ttl: 30
                    loop_wait: 10
                    retry_timeout: 10
                    maximum_lag_on_failover: 1048576
                    primary_start_timeout: 300
                    synchronous_mode: false
                    postgresql:
                      use_pg_rewind: true
                      use_slots: true
                      parameters:
                        wal_level: replica
                        hot_standby: 'on'
                        max_connections: 100
                        max_wal_senders: 10
                        max_replication_slots: 10
                        wal_log_hints: 'on'
                  initdb:
                    - encoding: UTF8
                    - data-checksums
                  pg_hba:
                    - host replication replicator 127.0.0.1/32 scram-sha-256
                    - host all all 0.0.0.0/0 scram-sha-256

                postgresql:
                  listen: 0.0.0.0:5432
                  connect_address: 127.0.0.1:5432
                  data_dir: /var/lib/postgresql/data
                #  bin_dir: /usr/lib/postgresql/15/bin
                  pgpass: /tmp/pgpass0
                  authentication:
                    superuser:
                      username: postgres
                      password: change-me
                    replication:
                      username: replicator
                      password: change-me
                    rewind:
                      username: rewind_user
                      password: change-me
                  parameters:
                    unix_socket_directories: /tmp

                # A Linux watchdog (/dev/watchdog, e.g. the softdog module) fences a frozen primary: use required.
                watchdog:
                  mode: 'off'

                tags:
                  failover_priority: 1
                  noloadbalance: false
                  clonefrom: false
                  nosync: false
                  nostream: false
                """;
    }
}
