package dev.regent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Inserts one row every {@code periodMillis} into {@code table(id)} on one fixed server (not "whatever the primary
 * is": the frozen-daemon scenario writes to a primary that no longer holds the lock) and records, for every
 * acknowledged insert, where its commit record lies in that server's WAL: at or after {@code lsnBefore} (the insert
 * position read by the INSERT's RETURNING, before the commit record is written) and ending at or before
 * {@code lsnAfter} (the insert position read on the same connection once the commit was acknowledged). Compared with
 * the LSN at which another node's timeline left this server's ({@link #forkLsn}), the bounds say whether the write is
 * part of the new timeline (ends at or before the fork) or not (starts at or after it). Thread-safe accessors.
 */
public final class LsnWriter implements AutoCloseable {
    /**
     * One acknowledged write.
     *
     * @param lsnBefore a lower bound of its commit record's start
     * @param lsnAfter  an upper bound of its commit record's end, or {@link Long#MAX_VALUE} when it could not be read
     *                  (the server went away right after acknowledging)
     */
    public record Ack(long id, long atNanos, long lsnBefore, long lsnAfter) {
        /** Replayed by a node whose timeline left this server's at {@code fork}: its commit record ends before. */
        public boolean before(long fork) {
            return lsnAfter <= fork;
        }

        /** Written past {@code fork}: not part of a timeline that left this server's there. */
        public boolean after(long fork) {
            return lsnBefore >= fork;
        }
    }

    private static final String LSN = "(pg_catalog.pg_current_wal_insert_lsn() - '0/0')::bigint";
    private final String url;
    private final String table;
    private final Properties props = new Properties();
    private final long periodMillis;
    private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /** {@code table} is a plain SQL identifier, created by {@link #start}. */
    public LsnWriter(String url, String table, String user, String password, long periodMillis) {
        if (!table.matches("[a-z_][a-z0-9_]*")) throw new IllegalArgumentException("not a plain table name: " + table);
        this.url = url;
        this.table = table;
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "1");
        props.setProperty("socketTimeout", "2");
        props.setProperty("loginTimeout", "2");
        this.periodMillis = periodMillis;
        this.thread = new Thread(this::run, "lsn-writer-" + table);
    }

    /** Create the table and start writing. */
    public LsnWriter start() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id bigint PRIMARY KEY)");
        }
        thread.start();
        return this;
    }

    private void run() {
        long id = 0;
        Connection c = null;
        while (running.get()) {
            long start = System.nanoTime();
            try {
                if (c == null) c = DriverManager.getConnection(url, props);
                id++;  // a fresh id per attempt: a failed attempt may have committed on the server
                long before;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?) RETURNING "
                        + LSN)) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        before = rs.getLong(1);
                    }
                }
                long at = System.nanoTime();
                long after = Long.MAX_VALUE;
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + LSN)) {
                    if (rs.next()) after = rs.getLong(1);
                } catch (SQLException e) {
                    close(c);
                    c = null;
                }
                acks.add(new Ack(id, at, before, after));
            } catch (SQLException e) {
                close(c);
                c = null;
            }
            long sleep = periodMillis - (System.nanoTime() - start) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        close(c);
    }

    private static void close(Connection c) {
        try {
            if (c != null) c.close();
        } catch (SQLException ignored) {
            // broken anyway
        }
    }

    public List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join(5000);
    }

    private static final Pattern HISTORY_LINE = Pattern.compile("(?m)^\\s*(\\d+)\\s+([0-9A-Fa-f]+)/([0-9A-Fa-f]+)");

    /**
     * The LSN at which the timeline of the primary at {@code url} left timeline {@code parent} (its timeline history
     * file, {@code pg_wal/<tli>.history}: one line per switch, "parent tli, switch point, reason"), or -1 when its
     * history does not pass through {@code parent} (still on it, or not readable). The switch point is the end of the
     * last record it replayed from {@code parent}: a record ending at or before it is on the new timeline, one starting
     * at or after it is not.
     */
    public static long forkLsn(String url, String user, String password, int parent) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_read_file('pg_wal/' || substr(pg_catalog"
                     + ".pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8) || '.history', 0, 1000000, true)")) {
            String history = rs.next() ? rs.getString(1) : null;
            return history == null ? -1 : switchPoint(history, parent);
        }
    }

    /** The switch point of the line of {@code history} (a timeline history file) for {@code parent}, or -1. */
    static long switchPoint(String history, int parent) {
        Matcher m = HISTORY_LINE.matcher(history);
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) == parent) {
                return (Long.parseLong(m.group(2), 16) << 32) | Long.parseLong(m.group(3), 16);
            }
        }
        return -1;
    }

    /** {@code lsn} as PostgreSQL prints it ("X/Y"). */
    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
