package dev.regent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Inserts one row every {@code periodMillis} into {@code regent_writes(id)} (or a table of the caller's choosing) on
 * whatever the primary is, and records the id and time of every acknowledged insert, and the port of the PostgreSQL
 * server that acknowledged it (asked once per connection with {@code inet_server_port()}: behind a proxy such as
 * HAProxy, the URL does not say which server answered). Used to prove that no acknowledged write is lost and to
 * measure the longest gap between acknowledged writes during a switchover or failover. Thread-safe accessors.
 */
public final class Writer implements AutoCloseable {
    /** One acknowledged write; {@code serverPort}: the port of the PostgreSQL server that acknowledged it. */
    public record Ack(long id, long atNanos, int serverPort) {}

    private final Supplier<String> primaryJdbcUrl;
    private final Properties props;
    private final long periodMillis;
    private final String table;
    private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
    /** The highest id already in the table when this writer started. */
    private volatile long firstId;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile int failures;

    /**
     * @param primaryJdbcUrl gives the JDBC URL of the current primary (e.g. a multi-host URL with
     *                       targetServerType=primary)
     */
    public Writer(Supplier<String> primaryJdbcUrl, String user, String password, long periodMillis) {
        this(primaryJdbcUrl, user, password, periodMillis, "regent_writes");
    }

    /** Same, into {@code table} (created with the same columns): several writers can run on one cluster. */
    public Writer(Supplier<String> primaryJdbcUrl, String user, String password, long periodMillis, String table) {
        if (!table.matches("[a-z_][a-z0-9_]*")) throw new IllegalArgumentException("table name " + table);
        this.table = table;
        this.primaryJdbcUrl = primaryJdbcUrl;
        this.props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "1");
        props.setProperty("socketTimeout", "2");
        props.setProperty("loginTimeout", "2");
        this.periodMillis = periodMillis;
        this.thread = new Thread(this::run, "writer");
    }

    /** Create the table (on the primary) and start writing. */
    public Writer start() throws SQLException {
        try (Connection c = DriverManager.getConnection(primaryJdbcUrl.get(), props);
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
            // a second writer on the same cluster continues after the ids of the first
            try (java.sql.ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM " + table)) {
                rs.next();
                firstId = rs.getLong(1);
            }
        }
        thread.start();
        return this;
    }

    private void run() {
        long id = firstId;
        Connection c = null;
        int port = -1;
        while (running.get()) {
            long start = System.nanoTime();
            try {
                if (c == null) {
                    c = DriverManager.getConnection(primaryJdbcUrl.get(), props);
                    try (Statement st = c.createStatement();
                         java.sql.ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
                        rs.next();
                        port = rs.getInt(1);
                    }
                }
                // A fresh id per attempt: an attempt that failed on the client side (socket timeout while a
                // synchronous commit waited for its standby) may still commit on the server, and retrying its id
                // would then fail forever on the primary key. Only acknowledged ids are checked.
                id++;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
                acks.add(new Ack(id, System.nanoTime(), port));
            } catch (SQLException e) {
                failures++;
                try {
                    if (c != null) c.close();
                } catch (SQLException ignored) {
                    // the connection is broken anyway
                }
                c = null;
            }
            long sleep = periodMillis - (System.nanoTime() - start) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        try {
            if (c != null) c.close();
        } catch (SQLException ignored) {
            // closing at shutdown
        }
    }

    public List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    /** The table written to. */
    public String table() {
        return table;
    }

    public int failures() {
        return failures;
    }

    /** Longest gap between consecutive acknowledged writes after {@code sinceNanos}, in milliseconds. */
    public double longestGapMillis(long sinceNanos) {
        List<Ack> list = acks();
        long worst = 0;
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).atNanos() < sinceNanos) continue;
            worst = Math.max(worst, list.get(i).atNanos() - list.get(i - 1).atNanos());
        }
        return worst / 1e6;
    }

    /** The two acknowledged writes around the longest gap after {@code sinceNanos} (null when fewer than two). */
    public Ack[] longestGap(long sinceNanos) {
        List<Ack> list = acks();
        Ack[] worst = null;
        for (int i = 1; i < list.size(); i++) {
            if (list.get(i).atNanos() < sinceNanos) continue;
            if (worst == null || list.get(i).atNanos() - list.get(i - 1).atNanos()
                    > worst[1].atNanos() - worst[0].atNanos()) {
                worst = new Ack[] {list.get(i - 1), list.get(i)};
            }
        }
        return worst;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.interrupt();
        thread.join(5000);
    }
}
