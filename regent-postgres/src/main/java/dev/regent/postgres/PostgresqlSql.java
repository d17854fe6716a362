package dev.regent.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.regent.core.config.NodeConfig.PgUser;
import dev.regent.core.config.NodeConfig.PostgresqlConfig;

/**
 * The SQL half of {@link Postgresql}: the superuser connection, status query, slots, users and post_bootstrap.
 * Thread-safe: the connection serializes statements.
 */
public abstract sealed class PostgresqlSql permits Postgresql {
    /** EXECUTE grants the rewind role needs (§6.3). */
    static final List<String> REWIND_FUNCTIONS = List.of("pg_catalog.pg_ls_dir(text, boolean, boolean)",
            "pg_catalog.pg_stat_file(text, boolean)", "pg_catalog.pg_read_binary_file(text)",
            "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)");

    /** Replaced by {@link #reloadLogin} (the superuser's settings on a reload). */
    private volatile PostgresqlConfig cfg;
    final CommandRunner runner;
    final Listen listen;
    private final PgConnection connection;
    /** A second connection for REST reads ({@code GET /patroni}), so that they never wait behind the HA loop. */
    private final PgConnection restConnection;
    /** Bound of a REST read: connect and answer within this many seconds, else the API answers from its snapshot. */
    static final int REST_TIMEOUT_S = 2;

    PostgresqlSql(PostgresqlConfig cfg, CommandRunner runner, Listen listen) {
        this.cfg = cfg;
        this.runner = runner;
        this.listen = listen;
        // the superuser's sslmode, sslcert, ... apply to the daemon's own connections, as to Patroni's
        PgHosts local = PgHosts.of(listen.localHost(), listen.port());
        this.connection = PgConnection.forUser(local, database(), cfg.superuser(), 3);
        this.restConnection = PgConnection.forUser(local, database(), cfg.superuser(), REST_TIMEOUT_S);
        restConnection.socketTimeout(REST_TIMEOUT_S);
    }

    /**
     * Takes the superuser of {@code reloaded} (name, password, SSL/GSS options) for the daemon's own connections from
     * their next connect on; a changed login closes them so that it applies at once.
     *
     * @return whether the superuser's login changed
     */
    boolean reloadLogin(PostgresqlConfig reloaded) {
        cfg = reloaded;
        boolean changed = connection.reauthenticate(reloaded.superuser());
        restConnection.reauthenticate(reloaded.superuser());
        return changed;
    }

    /** {@code postgresql.database}, default postgres. */
    public String database() {
        return cfg.database() == null ? "postgres" : cfg.database();
    }

    /** The local superuser connection (one, reconnecting). */
    public PgConnection connection() {
        return connection;
    }

    /** The REST API's connection (see {@link #walNow()}). */
    PgConnection restConnection() {
        return restConnection;
    }

    /** The one-round-trip status query (blocks up to the 3 s connect timeout plus the query). */
    public PgStatus status() {
        return connection.status();
    }

    /**
     * The current WAL positions, read now over the REST API's own connection (never the HA loop's), bounded by
     * {@value #REST_TIMEOUT_S} s for connect and answer. Throws {@link PostgresException} when postgres does not
     * answer.
     */
    public PgConnection.WalNow walNow() {
        return restConnection.walNow();
    }

    /** Closes the SQL connections (the next call reconnects). */
    public void closeConnection() {
        connection.close();
        restConnection.close();
    }

    /** See {@link PgConnection#ensurePhysicalSlots}. */
    public PgConnection.SlotChanges ensurePhysicalSlots(Set<String> slotNames) {
        return connection.ensurePhysicalSlots(slotNames);
    }

    /** See {@link PgConnection#ensurePhysicalSlots(Set, boolean)}. */
    public PgConnection.SlotChanges ensurePhysicalSlots(Set<String> slotNames, boolean dropUnknown) {
        return connection.ensurePhysicalSlots(slotNames, dropUnknown);
    }

    /** See {@link PgConnection#dropInactivePhysicalSlots(Set)}. */
    public Set<String> dropInactivePhysicalSlots(Set<String> slotNames) {
        return connection.dropInactivePhysicalSlots(slotNames);
    }

    /** CHECKPOINT on the local server (blocks until done). */
    public void checkpoint() {
        connection.checkpoint();
    }

    /**
     * post_bootstrap roles (§6.3): sets the superuser's password, creates or updates the replication role (REPLICATION
     * LOGIN, password) and, when configured and different from the superuser, the rewind role (LOGIN, password,
     * EXECUTE on the functions pg_rewind needs).
     */
    public void createUsers() {
        PgUser su = cfg.superuser();
        if (su != null && su.username() != null && su.password() != null) {
            connection.execute(createOrUpdateRole(su, "SUPERUSER"));
        }
        PgUser repl = cfg.replication();
        if (repl != null && repl.username() != null) {
            connection.execute(createOrUpdateRole(repl, "REPLICATION"));
        }
        PgUser rw = cfg.rewind();
        if (rw != null && rw.username() != null && (su == null || !rw.username().equals(su.username()))) {
            connection.execute(createOrUpdateRole(rw, null));
            for (String fn : REWIND_FUNCTIONS) {
                connection.execute("GRANT EXECUTE ON function " + fn + " TO "
                        + PgConnection.identifier(rw.username()));
            }
        }
    }

    /** CREATE ROLE … or ALTER ROLE … when it exists, in one DO block (as Patroni's create_or_update_role). */
    static String createOrUpdateRole(PgUser user, String option) {
        String opts = (option == null ? "" : option + " ") + "LOGIN"
                + (user.password() == null ? "" : " PASSWORD " + PgConnection.literal(user.password()));
        String ident = PgConnection.identifier(user.username());
        return "DO $regent$ BEGIN SET local synchronous_commit = 'local'; "
                + "PERFORM * FROM pg_catalog.pg_authid WHERE rolname = " + PgConnection.literal(user.username())
                + "; IF FOUND THEN ALTER ROLE " + ident + " WITH " + opts + "; ELSE CREATE ROLE " + ident + " WITH "
                + opts + "; END IF; END; $regent$";
    }

    /**
     * Runs the post_bootstrap script as {@code <script split by shell rules> <dsn>} with the superuser's password in
     * pgpass (PGPASSFILE), as the JVM's user. Blocks until it exits or {@code timeout}.
     *
     * @return its exit code (-1 on timeout)
     */
    public int runPostBootstrap(String script, Duration timeout) {
        writeLocalPgpass();
        // Patroni's connection string for post_bootstrap: the superuser's conn_kwargs, its SSL options included
        Map<String, String> kw = ConnInfo.forUser(listen.localHost(), Integer.toString(listen.port()), database(),
                cfg.superuser());
        List<String> cmd = new ArrayList<>(ShellWords.split(script));
        cmd.add(ConnInfo.format(kw, serverVersion()));
        var r = runner.runAsSelf(cmd, pgpassEnv(), null, timeout);
        return r.exitCode();
    }

    abstract void writeLocalPgpass();

    /** The server version (server_version_num) of the binaries. */
    abstract int serverVersion();

    abstract Map<String, String> pgpassEnv();
}
