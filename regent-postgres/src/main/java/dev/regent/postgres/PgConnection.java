package dev.regent.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The superuser connection to the local PostgreSQL over TCP (pgjdbc). Keeps one connection open and reconnects on
 * the next call after a failure. All methods are synchronized (one statement at a time) and block for at most the
 * connect timeout plus the statement's duration; failures are {@link PostgresException}s.
 */
public final class PgConnection implements AutoCloseable {
    static final String STATUS_SQL = """
            SELECT pg_catalog.pg_is_in_recovery(),
              CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END,
              pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint,
              pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint,
              CASE WHEN pg_catalog.pg_is_in_recovery() THEN COALESCE(
                  (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver WHERE status = 'streaming'),
                  (pg_catalog.pg_control_checkpoint()).timeline_id)
                ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))
                  ::bit(32)::int END,
              (SELECT status FROM pg_catalog.pg_stat_wal_receiver),
              pg_catalog.pg_postmaster_start_time(),
              pg_catalog.current_setting('server_version_num')::int,
              (pg_catalog.pg_control_system()).system_identifier::text,
              pg_catalog.current_setting('primary_slot_name', true),
              ARRAY(SELECT ARRAY[usename::text, application_name, client_addr::text, state, sync_state,
                    sync_priority::text, pg_catalog.pg_wal_lsn_diff(write_lsn, '0/0')::bigint::text,
                    pg_catalog.pg_wal_lsn_diff(flush_lsn, '0/0')::bigint::text,
                    pg_catalog.pg_wal_lsn_diff(replay_lsn, '0/0')::bigint::text]
                    FROM pg_catalog.pg_stat_replication ORDER BY pid),
              ARRAY(SELECT ARRAY[s.name, pg_catalog.current_setting(s.name), COALESCE(
                    (SELECT f.setting FROM pg_catalog.pg_file_settings f WHERE f.name = s.name
                      ORDER BY f.seqno DESC LIMIT 1), '?')]
                    FROM pg_catalog.pg_settings s WHERE s.pending_restart
                      AND s.name NOT IN ('primary_conninfo', 'primary_slot_name', 'restore_command',
                        'archive_cleanup_command', 'recovery_end_command', 'recovery_min_apply_delay',
                        'promote_trigger_file') AND s.name NOT LIKE 'recovery\\_target%' ORDER BY s.name)
            """;

    /**
     * The WAL positions and timeline alone (no catalogue scans), for {@link #walNow()}: what a {@code GET /patroni}
     * reads at request time, as Patroni queries postgres on each request.
     */
    static final String WAL_SQL = """
            SELECT pg_catalog.pg_is_in_recovery(),
              CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END,
              pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint,
              pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint,
              CASE WHEN pg_catalog.pg_is_in_recovery() THEN COALESCE(
                  (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver WHERE status = 'streaming'),
                  (pg_catalog.pg_control_checkpoint()).timeline_id)
                ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))
                  ::bit(32)::int END,
              EXISTS (SELECT 1 FROM pg_catalog.pg_stat_wal_receiver WHERE status = 'streaming')
            """;

    /**
     * WAL positions read at one instant.
     *
     * @param inRecovery pg_is_in_recovery()
     * @param location   primary: pg_current_wal_lsn() in bytes; null on a replica
     * @param receiveLsn replica: pg_last_wal_receive_lsn(), or null
     * @param replayLsn  replica: pg_last_wal_replay_lsn(), or null
     * @param timeline   as in {@link PgStatus#timeline()}: on a replica that does not stream, only pg_control's
     *                   checkpoint timeline, which lags a timeline switch until the next restartpoint
     * @param streaming  replica: its WAL receiver streams (then {@code timeline} is the one it receives)
     */
    public record WalNow(boolean inRecovery, Long location, Long receiveLsn, Long replayLsn, int timeline,
                         boolean streaming) {
        /** A reading without WAL receiver state (a primary's). */
        public WalNow(boolean inRecovery, Long location, Long receiveLsn, Long replayLsn, int timeline) {
            this(inRecovery, location, receiveLsn, replayLsn, timeline, false);
        }
    }

    private final String url;
    private final Properties props = new Properties();
    /** The TCP connection's SSL/GSS properties, put back when a Unix socket is left. */
    private final Properties tcpProps = new Properties();
    private Connection conn;

    /** Outcome of {@link #ensurePhysicalSlots}. */
    public record SlotChanges(Set<String> created, Set<String> dropped) {}

    /**
     * @param host            host (first listen address)
     * @param port            port
     * @param database        database name
     * @param user            superuser name
     * @param password        its password, or null
     * @param connectTimeoutS connect timeout in seconds
     */
    public PgConnection(String host, int port, String database, String user, String password, int connectTimeoutS) {
        this(PgHosts.of(host, port), database, user, password, connectTimeoutS);
    }

    /** To the servers of {@code hosts}; with several, to the one that accepts writes (libpq's read-write). */
    PgConnection(PgHosts hosts, String database, String user, String password, int connectTimeoutS) {
        this(hosts, database, user, password, Map.of(), connectTimeoutS);
    }

    /**
     * As {@link #PgConnection(PgHosts, String, String, String, int)} with the user's connection options
     * ({@code sslmode}, {@code sslcert}, ... under their libpq names, see {@link JdbcSsl}).
     */
    PgConnection(PgHosts hosts, String database, String user, String password, Map<String, String> options,
                 int connectTimeoutS) {
        this.url = "jdbc:postgresql://" + hosts.jdbcHosts() + "/" + database;
        if (hosts.several()) props.setProperty("targetServerType", "primary");
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutS));
        props.setProperty("ApplicationName", "Patroni");
        JdbcSsl.apply(options, props);
        tcpProps.putAll(props);
        if (hosts.hasSocketDirectory()) {
            // pgJDBC speaks TCP only: a socket directory goes through UnixSocketFactory, one server at a time
            if (hosts.several()) {
                throw new PostgresException("cannot open one connection to several servers when one of them is a "
                        + "Unix socket directory (" + hosts.hosts() + "): connect to each in turn");
            }
            useUnixSocket(hosts.servers().get(0).getKey(), hosts.servers().get(0).getValue());
        }
    }

    /** As {@link #PgConnection(PgHosts, String, String, String, Map, int)} for {@code user} (name "postgres" when
     * none is configured). */
    static PgConnection forUser(PgHosts hosts, String database, dev.regent.core.config.NodeConfig.PgUser user,
                                int connectTimeoutS) {
        return new PgConnection(hosts, database, user == null || user.username() == null ? "postgres"
                : user.username(), user == null ? null : user.password(), ConnInfo.userOptions(user),
                connectTimeoutS);
    }

    /**
     * Runs the one-round-trip status query. A kept connection that turns out broken (postgres was restarted since
     * it was opened) is replaced once at once: the query is read-only, and the first observation after a restart in
     * place must see the new server, not report it as still starting.
     */
    public synchronized PgStatus status() {
        boolean reused = conn != null;
        try {
            return queryStatus();
        } catch (PostgresException e) {
            if (!reused || conn != null) throw e; // a fresh connection failed, or the server answered an error
            return queryStatus();
        }
    }

    /**
     * Reads the current WAL positions and timeline (one small query); reconnects once when a kept connection turns
     * out broken, as {@link #status()}.
     */
    public synchronized WalNow walNow() {
        boolean reused = conn != null;
        try {
            return queryWal();
        } catch (PostgresException e) {
            if (!reused || conn != null) throw e;
            return queryWal();
        }
    }

    private WalNow queryWal() {
        return withConnection("WAL position query", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(WAL_SQL)) {
                rs.next();
                boolean inRecovery = rs.getBoolean(1);
                return new WalNow(inRecovery, inRecovery ? null : (Long) rs.getObject(2),
                        inRecovery ? (Long) rs.getObject(3) : null, inRecovery ? (Long) rs.getObject(4) : null,
                        rs.getInt(5), rs.getBoolean(6));
            }
        });
    }

    /**
     * Bounds every later read on this connection: a server that does not answer within {@code seconds} fails the
     * call (pgjdbc's socketTimeout) instead of blocking it. Closes the current connection so that it applies.
     */
    public synchronized void socketTimeout(int seconds) {
        props.setProperty("socketTimeout", Integer.toString(seconds));
        close();
    }

    private PgStatus queryStatus() {
        return withConnection("status query", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATUS_SQL)) {
                rs.next();
                return readStatus(rs);
            }
        });
    }

    private static PgStatus readStatus(ResultSet rs) throws SQLException {
        boolean inRecovery = rs.getBoolean(1);
        Long current = (Long) rs.getObject(2);
        Long receive = (Long) rs.getObject(3);
        Long replay = (Long) rs.getObject(4);
        long wal = inRecovery ? Math.max(receive == null ? 0 : receive, replay == null ? 0 : replay)
                : (current == null ? 0 : current);
        String receiver = rs.getString(6);
        String state = inRecovery ? ("streaming".equals(receiver) ? "streaming" : "in archive recovery") : null;
        return new PgStatus(inRecovery, wal, inRecovery ? receive : null, inRecovery ? replay : null, rs.getInt(5),
                state, rs.getObject(7, OffsetDateTime.class), rs.getInt(8), rs.getString(9), rs.getString(10),
                replicationRows(rs.getArray(11)), pendingRestart(rs.getArray(12)));
    }

    /**
     * Rows of {@code [name, current value, value in the configuration files]} for settings whose new value needs a
     * restart (pg_settings.pending_restart; Patroni leaves recovery parameters out, so do we). The new value is the
     * last line for that name in pg_file_settings, {@code ?} when unknown (Patroni prints the same).
     */
    private static Map<String, PgStatus.PendingChange> pendingRestart(Array array) throws SQLException {
        Map<String, PgStatus.PendingChange> out = new LinkedHashMap<>();
        for (Object o : (Object[]) array.getArray()) {
            if (o instanceof Object[] r) {
                out.put((String) r[0], new PgStatus.PendingChange((String) r[1], (String) r[2]));
            }
        }
        return out;
    }

    private static List<PgStatus.Replication> replicationRows(Array array) throws SQLException {
        List<PgStatus.Replication> rows = new ArrayList<>();
        Object[] outer = (Object[]) array.getArray();
        for (Object o : outer) {
            if (o instanceof Object[] r) {
                rows.add(new PgStatus.Replication((String) r[0], (String) r[1], (String) r[2], (String) r[3],
                        (String) r[4], r[5] == null ? 0 : Integer.parseInt((String) r[5]), lsn(r[6]), lsn(r[7]),
                        lsn(r[8])));
            }
        }
        return rows;
    }

    private static Long lsn(Object v) {
        return v == null ? null : Long.valueOf((String) v);
    }

    /** Executes one SQL statement (DDL or a function call whose result is ignored). */
    public synchronized void execute(String sql) {
        withConnection("'" + sql.replaceAll("PASSWORD '[^']*'", "PASSWORD '***'") + "'", c -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                return null;
            }
        });
    }

    /** Runs a query returning one text column and returns its values. */
    public synchronized List<String> queryStrings(String sql) {
        return withConnection("'" + sql + "'", c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    private static final String SYNC_SETTINGS_SQL = "SELECT pg_catalog.current_setting('synchronous_standby_names'),"
            + " pg_catalog.current_setting('synchronous_commit'),"
            + " pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint";
    private static final String WAL_SENDERS_SQL = "SELECT pid, application_name, sync_state,"
            + " pg_catalog.pg_wal_lsn_diff(write_lsn, '0/0')::bigint,"
            + " pg_catalog.pg_wal_lsn_diff(flush_lsn, '0/0')::bigint,"
            + " pg_catalog.pg_wal_lsn_diff(replay_lsn, '0/0')::bigint"
            + " FROM pg_catalog.pg_stat_replication WHERE state = 'streaming'";

    /**
     * What a primary reports for synchronous replication: {@code synchronous_standby_names},
     * {@code synchronous_commit}, its flush position and its streaming walsenders ({@code pg_stat_replication}).
     */
    public synchronized dev.regent.core.sync.SyncFacts syncFacts() {
        return withConnection("synchronous replication query", c -> {
            String ssn;
            String commit;
            long flush;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SYNC_SETTINGS_SQL)) {
                rs.next();
                ssn = rs.getString(1);
                commit = rs.getString(2);
                flush = rs.getLong(3);
            }
            List<dev.regent.core.sync.WalSender> senders = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(WAL_SENDERS_SQL)) {
                while (rs.next()) {
                    senders.add(new dev.regent.core.sync.WalSender(rs.getInt(1), rs.getString(2), rs.getString(3),
                            (Long) rs.getObject(4), (Long) rs.getObject(5), (Long) rs.getObject(6)));
                }
            }
            return new dev.regent.core.sync.SyncFacts(ssn, commit, flush, senders);
        });
    }

    /**
     * Writes a little WAL without waiting for any standby, so that standbys report a position past the one noted
     * when {@code synchronous_standby_names} changed (Patroni does the same).
     */
    public void generateWal() {
        execute("DO $$ BEGIN SET LOCAL synchronous_commit = 'off'; PERFORM pg_catalog.txid_current(); END; $$");
    }

    /**
     * This connection with a server-side statement_timeout (milliseconds) for every statement, and a socket read
     * timeout a little longer, so a server that hangs cannot block the caller beyond it. Call before the first query.
     */
    public synchronized PgConnection withStatementTimeout(int millis) {
        props.setProperty("options", "-c statement_timeout=" + millis);
        props.setProperty("socketTimeout", Integer.toString(millis / 1000 + 2));
        return this;
    }

    /** pg_is_in_recovery() of the server (one query). */
    public synchronized boolean inRecovery() {
        return withConnection("pg_is_in_recovery()", c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
                return rs.next() && rs.getBoolean(1);
            }
        });
    }

    /**
     * The timeline a server replays (a standby) or writes (a primary), from {@code IDENTIFY_SYSTEM} over a physical
     * replication connection as Patroni's {@code get_replica_timeline} reads it. Unlike pg_control's checkpoint
     * timeline, which a standby advances only at its next restartpoint, it is exact the moment replay switches
     * timelines. Opens and closes its own connection.
     *
     * @throws PostgresException when the connection (pg_hba must allow {@code replication} for {@code user}) or the
     *                           command fails
     */
    public static int identifySystemTimeline(String host, int port, String user, String password,
                                             int connectTimeoutS) {
        return identifySystemTimeline(host, port, user, password, Map.of(), connectTimeoutS);
    }

    /** As above with the replication user's connection options ({@code sslmode}, ..., see {@link JdbcSsl}). */
    public static int identifySystemTimeline(String host, int port, String user, String password,
                                             Map<String, String> options, int connectTimeoutS) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        String url = "jdbc:postgresql://" + h + ":" + port + "/postgres";
        Properties p = replicationProperties(user, password, options, connectTimeoutS);
        try (Connection c = DriverManager.getConnection(url, p); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            if (!rs.next()) throw new PostgresException("IDENTIFY_SYSTEM on " + h + ":" + port + " returned no row");
            return rs.getInt(2);
        } catch (SQLException e) {
            throw new PostgresException("IDENTIFY_SYSTEM on " + h + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /** Connection properties of a physical replication (walsender) connection, as Patroni's rewind check opens. */
    private static Properties replicationProperties(String user, String password, Map<String, String> options,
                                                    int connectTimeoutS) {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("replication", "true");  // walsender mode: replication commands over the simple protocol
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "9.4");
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutS));
        p.setProperty("socketTimeout", Integer.toString(connectTimeoutS + 2));
        p.setProperty("ApplicationName", "Patroni");
        JdbcSsl.apply(options, p);
        return p;
    }

    /**
     * A server's timeline ({@code IDENTIFY_SYSTEM}) and, past timeline 1, the lines of that timeline's history file
     * ({@code TIMELINE_HISTORY}), over one physical replication connection as Patroni's rewind check reads its
     * leader's. {@code server} is one server (a Unix socket directory goes through {@link UnixSocketFactory}).
     *
     * @throws PostgresException naming the server when the connection or a command fails
     */
    static TimelineHistoryFile.OfServer replicationTimeline(PgHosts server, String user, String password,
                                                            Map<String, String> options, int connectTimeoutS) {
        Map.Entry<String, Integer> s = server.servers().get(0);
        String where = s.getKey() + ":" + s.getValue();
        Properties p = replicationProperties(user, password, options, connectTimeoutS);
        if (PgHosts.isSocketDirectory(s.getKey())) {
            p.setProperty("socketFactory", UnixSocketFactory.class.getName());
            p.setProperty("socketFactoryArg", UnixSocketFactory.socketFile(s.getKey(), s.getValue()));
            JdbcSsl.forUnixSocket(p);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + server.jdbcHosts() + "/postgres", p);
             Statement st = c.createStatement()) {
            int timeline;
            try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
                if (!rs.next()) throw new PostgresException("IDENTIFY_SYSTEM on " + where + " returned no row");
                timeline = rs.getInt(2);
            }
            if (timeline <= 1) return new TimelineHistoryFile.OfServer(timeline, List.of());
            try (ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
                if (!rs.next()) throw new PostgresException("TIMELINE_HISTORY on " + where + " returned no row");
                Object content = rs.getObject(2);  // text since PostgreSQL 9.6's walsender, bytea before
                String text = content instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                        : String.valueOf(content);
                return new TimelineHistoryFile.OfServer(timeline, TimelineHistoryFile.parse(text.lines().toList()));
            }
        } catch (SQLException e) {
            throw new PostgresException("reading the timeline of " + where + " over a replication connection failed: "
                    + e.getMessage(), e);
        }
    }

    /** Runs CHECKPOINT (blocks until it completes; needed on a new primary before others pg_rewind from it). */
    public void checkpoint() {
        execute("CHECKPOINT");
    }

    /**
     * Creates missing physical slots with {@code pg_create_physical_replication_slot(name, true)} (WAL reserved at
     * once) and drops the non-temporary physical slots not in {@code names} that are not active.
     */
    public synchronized SlotChanges ensurePhysicalSlots(Set<String> names) {
        return ensurePhysicalSlots(names, true);
    }

    /**
     * As {@link #ensurePhysicalSlots(Set)}; with {@code dropUnknown == false} only creates (Patroni leaves unknown
     * slots alone in maintenance mode).
     */
    public synchronized SlotChanges ensurePhysicalSlots(Set<String> names, boolean dropUnknown) {
        return withConnection("replication slot sync", c -> {
            Set<String> existing = new HashSet<>();
            Set<String> dropped = new HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT slot_name, active "
                    + "FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical' AND NOT temporary")) {
                while (rs.next()) {
                    existing.add(rs.getString(1));
                    if (dropUnknown && !names.contains(rs.getString(1)) && !rs.getBoolean(2)) {
                        dropped.add(rs.getString(1));
                    }
                }
            }
            Set<String> created = new HashSet<>(names);
            created.removeAll(existing);
            for (String s : created) {
                call(c, "SELECT pg_catalog.pg_create_physical_replication_slot(?, true)", s);
            }
            for (String s : dropped) {
                call(c, "SELECT pg_catalog.pg_drop_replication_slot(?)", s);
            }
            return new SlotChanges(Set.copyOf(created), Set.copyOf(dropped));
        });
    }

    private static final String SLOTS_SQL = "SELECT slot_name, slot_type, plugin, database, temporary, active,"
            + " xmin IS NOT NULL, pg_catalog.pg_wal_lsn_diff(restart_lsn, '0/0')::bigint,"
            + " pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint, wal_status"
            + " FROM pg_catalog.pg_replication_slots";

    /** Every row of {@code pg_replication_slots} (PostgreSQL 13+: wal_status). */
    public synchronized List<dev.regent.core.slots.ExistingSlot> replicationSlots() {
        return withConnection("reading pg_replication_slots", c -> {
            List<dev.regent.core.slots.ExistingSlot> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SLOTS_SQL)) {
                while (rs.next()) {
                    out.add(new dev.regent.core.slots.ExistingSlot(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7),
                            (Long) rs.getObject(8), (Long) rs.getObject(9), rs.getString(10)));
                }
            }
            return out;
        });
    }

    /** {@code pg_create_physical_replication_slot(name, true)} unless a physical slot of that name exists. */
    public synchronized void createPhysicalSlot(String name) {
        withConnection("creating physical replication slot " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.pg_create_physical_replication_slot(?,"
                    + " true) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)")) {
                ps.setString(1, name);
                ps.setString(2, name);
                ps.execute();
            }
            return null;
        });
    }

    /** {@code pg_create_logical_replication_slot(name, plugin)} in this connection's database. */
    public synchronized void createLogicalSlot(String name, String plugin) {
        withConnection("creating logical replication slot " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.pg_create_logical_replication_slot(?,"
                    + " ?) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)")) {
                ps.setString(1, name);
                ps.setString(2, plugin);
                ps.setString(3, name);
                ps.execute();
            }
            return null;
        });
    }

    /** {@code pg_replication_slot_advance(name, lsn)} (a logical slot: on a connection to its database). */
    public synchronized void advanceSlot(String name, long lsn) {
        withConnection("advancing replication slot " + name + " to " + formatLsn(lsn), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_catalog.pg_replication_slot_advance(?, ?::pg_catalog.pg_lsn)")) {
                ps.setString(1, name);
                ps.setString(2, formatLsn(lsn));
                ps.execute();
            }
            return null;
        });
    }

    /** Drops the slot unless it is active; true when it was dropped, false when active or absent. */
    public synchronized boolean dropSlotIfInactive(String name) {
        return withConnection("dropping replication slot " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.pg_drop_replication_slot(slot_name)"
                    + " FROM pg_catalog.pg_replication_slots WHERE slot_name = ? AND NOT active")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * The {@code state} files of the named logical slots on this (primary) server, read with
     * {@code pg_read_binary_file}; slots that are missing, temporary or physical are left out.
     */
    public synchronized Map<String, byte[]> logicalSlotStates(java.util.Collection<String> names) {
        return withConnection("reading logical slot state files", c -> {
            Map<String, byte[]> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, pg_catalog.pg_read_binary_file("
                    + "'pg_replslot/' || slot_name || '/state') FROM pg_catalog.pg_replication_slots"
                    + " WHERE slot_type = 'logical' AND NOT temporary AND slot_name = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), rs.getBytes(2));
                }
            }
            return out;
        });
    }

    /**
     * {@code catalog_xmin} of the named slots that exist (a null value: none set), for the logical slot readiness
     * check; with {@code primaryOnly} nothing while the server is in recovery (Patroni's query on the leader).
     */
    public synchronized Map<String, Long> slotCatalogXmins(java.util.Collection<String> names, boolean primaryOnly) {
        return withConnection("reading slots' catalog_xmin", c -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, catalog_xmin::text::bigint FROM"
                    + " pg_catalog.pg_get_replication_slots() WHERE slot_name = ANY(?)"
                    + (primaryOnly ? " AND NOT pg_catalog.pg_is_in_recovery()" : ""))) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long v = rs.getLong(2);
                        boolean unset = rs.wasNull();  // of column 2: ask before reading another column
                        out.put(rs.getString(1), unset ? null : v);
                    }
                }
            }
            return out;
        });
    }

    /** A new connection like this one (same server, user, options) to {@code database}; the caller closes it. */
    public synchronized PgConnection forDatabase(String database) {
        PgConnection other = new PgConnection(url.substring(0, url.lastIndexOf('/') + 1) + database, props);
        return other;
    }

    private PgConnection(String url, Properties props) {
        this.url = url;
        this.props.putAll(props);
    }

    /** An LSN in PostgreSQL's text form ({@code 0/3000060}). */
    public static String formatLsn(long lsn) {
        return String.format("%X/%X", lsn >>> 32, lsn & 0xffffffffL);
    }

    /** Drops those of the non-temporary physical slots {@code names} that exist and are not active; returns them. */
    public synchronized Set<String> dropInactivePhysicalSlots(Set<String> names) {
        return withConnection("replication slot drop", c -> {
            Set<String> dropped = new HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT slot_name "
                    + "FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical' AND NOT temporary "
                    + "AND NOT active")) {
                while (rs.next()) {
                    if (names.contains(rs.getString(1))) dropped.add(rs.getString(1));
                }
            }
            for (String s : dropped) call(c, "SELECT pg_catalog.pg_drop_replication_slot(?)", s);
            return Set.copyOf(dropped);
        });
    }

    private static void call(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            ps.execute();
        }
    }

    /**
     * From the next (re)connect on, connects over PostgreSQL's Unix socket in {@code directory} on {@code port}
     * ({@link UnixSocketFactory}); a null directory goes back to TCP. Closes the current connection when the target
     * changes.
     */
    public synchronized void useUnixSocket(String directory, int port) {
        String file = directory == null ? null : UnixSocketFactory.socketFile(directory, port);
        if (java.util.Objects.equals(file, props.getProperty("socketFactoryArg"))) {
            return;
        }
        if (file == null) {
            props.remove("socketFactory");
            props.remove("socketFactoryArg");
            props.remove("gssEncMode");
            props.putAll(tcpProps);
        } else {
            props.setProperty("socketFactory", UnixSocketFactory.class.getName());
            props.setProperty("socketFactoryArg", file);
            JdbcSsl.forUnixSocket(props);
        }
        close();
    }

    /**
     * From the next (re)connect on, logs in as {@code user} (name, password, SSL/GSS options, "postgres" when no name
     * is configured), as Patroni's reload hands the connection pool new connection arguments. Closes the current
     * connection when anything changed, so that the new settings apply (and are checked) at once.
     *
     * @return whether the login settings changed
     */
    public synchronized boolean reauthenticate(dev.regent.core.config.NodeConfig.PgUser user) {
        Properties fresh = new Properties();
        fresh.setProperty("user", user == null || user.username() == null ? "postgres" : user.username());
        if (user != null && user.password() != null) fresh.setProperty("password", user.password());
        JdbcSsl.apply(ConnInfo.userOptions(user), fresh);
        Properties current = new Properties();
        for (String k : loginProperties()) {
            if (tcpProps.getProperty(k) != null) current.setProperty(k, tcpProps.getProperty(k));
        }
        if (current.equals(fresh)) return false;
        for (String k : loginProperties()) {
            tcpProps.remove(k);
            props.remove(k);
        }
        tcpProps.putAll(fresh);
        props.putAll(fresh);
        if (props.getProperty("socketFactoryArg") != null) JdbcSsl.forUnixSocket(props);
        close();
        return true;
    }

    private static java.util.Set<String> loginProperties() {
        java.util.Set<String> keys = new java.util.HashSet<>(JdbcSsl.PROPERTIES);
        keys.add("user");
        keys.add("password");
        return keys;
    }

    /** The Unix socket file connected to, or null over TCP. */
    public synchronized String unixSocket() {
        return props.getProperty("socketFactoryArg");
    }

    /** Closes the connection (a later call reconnects). */
    @Override
    public synchronized void close() {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // closing a broken connection: nothing to do
            }
            conn = null;
        }
    }

    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T withConnection(String what, SqlWork<T> work) {
        try {
            if (conn == null || conn.isClosed()) {
                conn = DriverManager.getConnection(url, props);
                conn.setAutoCommit(true);
            }
            return work.run(conn);
        } catch (SQLException e) {
            if (conn != null && isConnectionError(e)) {
                close();
            }
            throw new PostgresException(what + " on " + url + " failed: " + e.getMessage(), e);
        }
    }

    private boolean isConnectionError(SQLException e) {
        String state = e.getSQLState();
        try {
            return state == null || state.startsWith("08") || state.startsWith("57") || !conn.isValid(1);
        } catch (SQLException x) {
            return true;
        }
    }

    /** Quotes a string literal for SQL (standard_conforming_strings on). */
    public static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Quotes an identifier for SQL. */
    public static String identifier(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
