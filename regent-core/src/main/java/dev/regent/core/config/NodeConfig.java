package dev.regent.core.config;

import java.util.List;
import java.util.Map;

/**
 * The local configuration of one node (YAML file(s) + {@code PATRONI_*} environment), validated. Field names follow
 * Patroni's YAML keys. {@code raw} is the whole merged tree, for sections without a typed view.
 *
 * @param name      member name
 * @param scope     cluster name
 * @param namespace DCS namespace, default {@code /service}
 * @param restapi   {@code restapi} section
 * @param dcs       the one DCS section
 * @param postgresql {@code postgresql} section
 * @param bootstrap {@code bootstrap} section, or null when absent
 * @param tags      {@code tags}
 * @param log       {@code log} section
 * @param ctl       {@code ctl} section (credentials for calling other members' REST APIs)
 * @param ctlTls    {@code ctl} TLS settings for those calls
 * @param raw       the merged configuration tree
 * @param decisions {@code regent.decisions} (Regent's own: the decision ledger)
 * @param dashboard {@code regent.dashboard} (Regent's own: the REST API's built-in dashboard page)
 */
public record NodeConfig(String name, String scope, String namespace, RestApiConfig restapi, DcsConfig dcs,
                         PostgresqlConfig postgresql, BootstrapConfig bootstrap, Map<String, Object> tags,
                         LogConfig log, Credentials ctl, CtlTls ctlTls, Map<String, Object> raw,
                         DecisionsConfig decisions, DashboardConfig dashboard) {
    public NodeConfig {
        ctlTls = ctlTls == null ? CtlTls.NONE : ctlTls;
        decisions = decisions == null ? DecisionsConfig.DEFAULT : decisions;
        dashboard = dashboard == null ? DashboardConfig.DEFAULT : dashboard;
    }

    /**
     * {@code regent.dashboard}: the built-in dashboard page of the REST API.
     *
     * @param enabled whether {@code GET /dashboard} serves the page (when false the path is Patroni's health check)
     */
    public record DashboardConfig(boolean enabled) {
        public static final DashboardConfig DEFAULT = new DashboardConfig(true);
    }

    /**
     * {@code regent.decisions}: the decision ledger.
     *
     * @param keep how many decisions are kept in memory and in the file
     * @param dir  directory of the ledger file, or null for the parent directory of {@code postgresql.data_dir}
     */
    public record DecisionsConfig(int keep, String dir) {
        public static final int DEFAULT_KEEP = 500;
        public static final DecisionsConfig DEFAULT = new DecisionsConfig(DEFAULT_KEEP, null);
    }

    /**
     * {@code restapi}.
     *
     * @param listen                  {@code host:port}
     * @param connectAddress          {@code host:port} published in {@code api_url}
     * @param authentication          basic auth of unsafe endpoints, or {@link Credentials#NONE}
     * @param tls                     HTTPS settings, or null when {@code certfile} is not set (plain HTTP)
     * @param allowlist               hosts, IPs and CIDRs allowed to call unsafe endpoints (empty = no list)
     * @param allowlistIncludeMembers also allow the hosts of the members' {@code api_url}
     * @param httpExtraHeaders        headers added to every response
     * @param httpsExtraHeaders       headers added to every response when TLS is on
     * @param serverTokens            {@code original}, {@code productonly} or {@code minimal}
     * @param requestQueueSize        listen backlog, or null when not configured
     * @param threadPoolSize          request worker threads (default and minimum 5)
     */
    public record RestApiConfig(String listen, String connectAddress, Credentials authentication, RestApiTls tls,
                                List<String> allowlist, boolean allowlistIncludeMembers,
                                Map<String, String> httpExtraHeaders, Map<String, String> httpsExtraHeaders,
                                String serverTokens, Integer requestQueueSize, int threadPoolSize) {
        public RestApiConfig {
            allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
            httpExtraHeaders = httpExtraHeaders == null ? Map.of() : Map.copyOf(httpExtraHeaders);
            httpsExtraHeaders = httpsExtraHeaders == null ? Map.of() : Map.copyOf(httpsExtraHeaders);
            serverTokens = serverTokens == null ? "original" : serverTokens;
        }

        /** Plain HTTP without access lists or extra headers. */
        public RestApiConfig(String listen, String connectAddress, Credentials authentication) {
            this(listen, connectAddress, authentication, null, List.of(), false, Map.of(), Map.of(), "original", null,
                    5);
        }

        /** {@code http} or {@code https}, as published in {@code api_url}. */
        public String scheme() {
            return tls == null ? "http" : "https";
        }
    }

    /**
     * {@code restapi.certfile} and its companions (TLS is on when {@code certfile} is set).
     *
     * @param certfile        PEM certificate chain
     * @param keyfile         PEM private key, or null when it is in certfile
     * @param keyfilePassword the key's password, or null
     * @param cafile          CA certificates of client certificates, or null
     * @param ciphers         OpenSSL cipher list, or null
     * @param verifyClient    {@code none}, {@code optional} or {@code required}
     */
    public record RestApiTls(String certfile, String keyfile, String keyfilePassword, String cafile, String ciphers,
                             String verifyClient) {
        @Override
        public String toString() {
            return "RestApiTls[certfile=" + certfile + ", keyfile=" + keyfile + ", cafile=" + cafile + ", ciphers="
                    + ciphers + ", verify_client=" + verifyClient + "]";
        }
    }

    /**
     * The TLS part of {@code ctl}: how calls to members' REST APIs verify them and present a client certificate.
     *
     * @param insecure        verify nothing
     * @param cacert          CA certificates ({@code ctl.cacert}, else {@code restapi.cafile}), or null
     * @param certfile        client certificate, or null
     * @param keyfile         its key, or null
     * @param keyfilePassword the key's password, or null
     */
    public record CtlTls(boolean insecure, String cacert, String certfile, String keyfile, String keyfilePassword) {
        public static final CtlTls NONE = new CtlTls(false, null, null, null, null);

        @Override
        public String toString() {
            return "CtlTls[insecure=" + insecure + ", cacert=" + cacert + ", certfile=" + certfile + ", keyfile="
                    + keyfile + "]";
        }
    }

    /** {@code username}/{@code password}; both null when absent. */
    public record Credentials(String username, String password) {
        public static final Credentials NONE = new Credentials(null, null);

        public boolean isSet() { return username != null; }
    }

    /**
     * The one DCS section.
     *
     * @param type    section name: {@code etcd3}, {@code etcd}, {@code zookeeper}, {@code consul}, {@code kubernetes},
     *                {@code raft}
     * @param section the section's keys
     */
    public record DcsConfig(String type, Map<String, Object> section) {}

    /** One of {@code postgresql.authentication.superuser|replication|rewind}. */
    public record PgUser(String username, String password, Map<String, Object> options) {}

    /**
     * Less common keys of the local {@code postgresql} section.
     *
     * @param rewindOptions  {@code postgresql.rewind}: extra pg_rewind long options ({@code --opt} / {@code --opt=v})
     * @param krbsrvname     {@code postgresql.krbsrvname}, added to primary_conninfo; null when unset
     * @param proxyAddress   {@code postgresql.proxy_address} ({@code host:port}), published as {@code proxy_url};
     *                       null when unset
     * @param configBaseName {@code postgresql.config_base_name}: base of {@code <name>.conf} and
     *                       {@code <name>.base.conf} (default {@code postgresql})
     * @param customConf     {@code postgresql.custom_conf}: the file postgresql.conf includes instead of
     *                       {@code <name>.base.conf}; null when unset
     */
    public record PgExtras(List<String> rewindOptions, String krbsrvname, String proxyAddress, String configBaseName,
                           String customConf) {
        public static final PgExtras NONE = new PgExtras(List.of(), null, null, "postgresql", null);

        public PgExtras {
            rewindOptions = rewindOptions == null ? List.of() : List.copyOf(rewindOptions);
            configBaseName = configBaseName == null || configBaseName.isEmpty() ? "postgresql" : configBaseName;
        }
    }

    /** {@code postgresql.callbacks}: command lines, null when absent. */
    public record Callbacks(String onStart, String onStop, String onRestart, String onReload, String onRoleChange) {
        public static final Callbacks NONE = new Callbacks(null, null, null, null, null);
    }

    /**
     * {@code postgresql} (local).
     *
     * @param listen          {@code addr[,addr]:port}
     * @param connectAddress  {@code host:port} published in conn_url
     * @param dataDir         data directory
     * @param configDir       where postgresql.conf etc. live (default data_dir)
     * @param binDir          directory of the binaries, or null (then PATH / pg_config --bindir)
     * @param pgpass          pgpass file Regent writes
     * @param database        database for local connections (default postgres)
     * @param superuser       superuser credentials
     * @param replication     replication credentials
     * @param rewind          rewind credentials, or null (then superuser)
     * @param parameters      local GUCs (protected ones already dropped)
     * @param pgHba           full pg_hba.conf lines, or null
     * @param pgIdent         full pg_ident.conf lines, or null
     * @param basebackup      extra pg_basebackup long options ({@code --opt} / {@code --opt=value})
     * @param createReplicaMethods replica creation methods in order ({@code create_replica_methods}, else the legacy
     *                        {@code create_replica_method}, else [basebackup])
     * @param usePgRewind     use_pg_rewind (local value; may also come from dynamic config), null when unset
     * @param removeDataDirectoryOnRewindFailure    remove_data_directory_on_rewind_failure
     * @param removeDataDirectoryOnDivergedTimelines remove_data_directory_on_diverged_timelines
     * @param pgCtlTimeoutSeconds pg_ctl_timeout (default 60)
     * @param callbacks       callbacks
     * @param prePromote      pre_promote script, or null
     * @param beforeStop      before_stop script, or null
     * @param recoveryConf    extra recovery settings
     * @param binName         overrides of binary names (pg_ctl, initdb, ...)
     * @param useUnixSocket     the superuser connection goes over the Unix socket ({@code use_unix_socket})
     * @param useUnixSocketRepl local replication connections over the Unix socket ({@code use_unix_socket_repl})
     * @param replicaMethodSections {@code postgresql.<method>} of each custom method in createReplicaMethods, as
     *                        plain YAML values in file order
     * @param connection      the connection and file-naming settings of {@link PgExtras}
     */
    public record PostgresqlConfig(String listen, String connectAddress, String dataDir, String configDir,
                                   String binDir, String pgpass, String database, PgUser superuser,
                                   PgUser replication, PgUser rewind, Map<String, Object> parameters,
                                   List<String> pgHba, List<String> pgIdent, List<String> basebackup,
                                   List<String> createReplicaMethods, Boolean usePgRewind,
                                   boolean removeDataDirectoryOnRewindFailure,
                                   boolean removeDataDirectoryOnDivergedTimelines, int pgCtlTimeoutSeconds,
                                   Callbacks callbacks, String prePromote, String beforeStop,
                                   Map<String, Object> recoveryConf, Map<String, String> binName,
                                   boolean useUnixSocket, boolean useUnixSocketRepl,
                                   Map<String, Map<String, Object>> replicaMethodSections, PgExtras extras) {
        public PostgresqlConfig {
            replicaMethodSections = replicaMethodSections == null ? Map.of() : Map.copyOf(replicaMethodSections);
            extras = extras == null ? PgExtras.NONE : extras;
        }

        /** Without the settings of {@link PgExtras}. */
        public PostgresqlConfig(String listen, String connectAddress, String dataDir, String configDir,
                                String binDir, String pgpass, String database, PgUser superuser,
                                PgUser replication, PgUser rewind, Map<String, Object> parameters,
                                List<String> pgHba, List<String> pgIdent, List<String> basebackup,
                                List<String> createReplicaMethods, Boolean usePgRewind,
                                boolean removeDataDirectoryOnRewindFailure,
                                boolean removeDataDirectoryOnDivergedTimelines, int pgCtlTimeoutSeconds,
                                Callbacks callbacks, String prePromote, String beforeStop,
                                Map<String, Object> recoveryConf, Map<String, String> binName,
                                boolean useUnixSocket, boolean useUnixSocketRepl,
                                Map<String, Map<String, Object>> replicaMethodSections) {
            this(listen, connectAddress, dataDir, configDir, binDir, pgpass, database, superuser, replication, rewind,
                    parameters, pgHba, pgIdent, basebackup, createReplicaMethods, usePgRewind,
                    removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, pgCtlTimeoutSeconds,
                    callbacks, prePromote, beforeStop, recoveryConf, binName, useUnixSocket, useUnixSocketRepl,
                    replicaMethodSections, PgExtras.NONE);
        }

        /** The same configuration with {@code extras} instead. */
        public PostgresqlConfig withExtras(PgExtras extras) {
            return new PostgresqlConfig(listen, connectAddress, dataDir, configDir, binDir, pgpass, database,
                    superuser, replication, rewind, parameters, pgHba, pgIdent, basebackup, createReplicaMethods,
                    usePgRewind, removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines,
                    pgCtlTimeoutSeconds, callbacks, prePromote, beforeStop, recoveryConf, binName, useUnixSocket,
                    useUnixSocketRepl, replicaMethodSections, extras);
        }

        /**
         * This configuration with the connection settings of {@code reloaded}, as Patroni re-reads them on a reload:
         * the {@code authentication} users (name, password, SSL/GSS options), {@code krbsrvname} and the {@code rewind}
         * options. The rest (addresses, {@code proxy_address}, directories, file names) stays as started.
         */
        public PostgresqlConfig withConnectionSettingsOf(PostgresqlConfig reloaded) {
            PgExtras e = new PgExtras(reloaded.extras.rewindOptions(), reloaded.extras.krbsrvname(),
                    extras.proxyAddress(), extras.configBaseName(), extras.customConf());
            return new PostgresqlConfig(listen, connectAddress, dataDir, configDir, binDir, pgpass, database,
                    reloaded.superuser, reloaded.replication, reloaded.rewind, parameters, pgHba, pgIdent, basebackup,
                    createReplicaMethods, usePgRewind, removeDataDirectoryOnRewindFailure,
                    removeDataDirectoryOnDivergedTimelines, pgCtlTimeoutSeconds, callbacks, prePromote, beforeStop,
                    recoveryConf, binName, useUnixSocket, useUnixSocketRepl, replicaMethodSections, e);
        }

        /** Without custom replica method sections. */
        public PostgresqlConfig(String listen, String connectAddress, String dataDir, String configDir,
                                String binDir, String pgpass, String database, PgUser superuser,
                                PgUser replication, PgUser rewind, Map<String, Object> parameters,
                                List<String> pgHba, List<String> pgIdent, List<String> basebackup,
                                List<String> createReplicaMethods, Boolean usePgRewind,
                                boolean removeDataDirectoryOnRewindFailure,
                                boolean removeDataDirectoryOnDivergedTimelines, int pgCtlTimeoutSeconds,
                                Callbacks callbacks, String prePromote, String beforeStop,
                                Map<String, Object> recoveryConf, Map<String, String> binName,
                                boolean useUnixSocket, boolean useUnixSocketRepl) {
            this(listen, connectAddress, dataDir, configDir, binDir, pgpass, database, superuser, replication, rewind,
                    parameters, pgHba, pgIdent, basebackup, createReplicaMethods, usePgRewind,
                    removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, pgCtlTimeoutSeconds,
                    callbacks, prePromote, beforeStop, recoveryConf, binName, useUnixSocket, useUnixSocketRepl,
                    Map.of());
        }
    }

    /**
     * {@code bootstrap}.
     *
     * @param dcs           initial dynamic configuration ({@code bootstrap.dcs})
     * @param initdb        initdb options as {@code --opt} / {@code --opt=value}
     * @param pgHba         lines appended to pg_hba.conf after initdb
     * @param postBootstrap script run after bootstrap with the superuser DSN, or null
     * @param method        {@code method}: {@code initdb} (also when absent) or a custom method's name
     * @param methodSection {@code bootstrap.<method>} of a custom method (plain YAML values in file order), or null
     */
    public record BootstrapConfig(Map<String, Object> dcs, List<String> initdb, List<String> pgHba,
                                  String postBootstrap, String method, Map<String, Object> methodSection) {
        /** An initdb bootstrap. */
        public BootstrapConfig(Map<String, Object> dcs, List<String> initdb, List<String> pgHba,
                               String postBootstrap) {
            this(dcs, initdb, pgHba, postBootstrap, "initdb", null);
        }

        /** True when a custom method replaces initdb. */
        public boolean custom() {
            return method != null && !method.equals("initdb") && methodSection != null;
        }
    }
}
