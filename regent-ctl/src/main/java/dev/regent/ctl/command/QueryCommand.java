package dev.regent.ctl.command;

import dev.regent.ctl.CtlFormats;
import dev.regent.daemon.view.Table;
import dev.regent.daemon.view.OutputFormat;
import dev.regent.core.model.ClusterView;
import dev.regent.core.model.Member;
import dev.regent.ctl.CtlException;
import dev.regent.ctl.Members;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code query [CLUSTER]}: runs SQL on the primary (or a member chosen by role or name) through pgjdbc and prints
 * the last result set; failures print one row {@code <time> ERROR, SQLSTATE: <code>} like patronictl (exit 1 here).
 * Credentials: {@code -U}/{@code --password}, else {@code PGUSER}/{@code PGPASSWORD}, else the configuration's
 * superuser.
 */
@Command(name = "query", description = "Query a Patroni PostgreSQL member")
public class QueryCommand extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER_NAME")
    String cluster;

    @Option(names = "--format", description = "Output format (pretty, tsv, json, yaml)")
    String format = "tsv";

    @Option(names = {"-f", "--file"}, description = "Execute the SQL commands from this file")
    String file;

    @Option(names = "--password", description = "force password prompt")
    boolean password;

    @Option(names = {"-U", "--username"}, description = "database user name")
    String username;

    @Option(names = "-W", description = "Auto update the screen every 2 seconds")
    boolean watchDefault;

    @Option(names = {"-w", "--watch"}, description = "Auto update the screen every X seconds")
    Double watch;

    @Option(names = {"-r", "--role"}, description = "The role of the query")
    String role;

    @Option(names = {"-m", "--member"}, description = "Query a specific member")
    String member;

    @Option(names = "--delimiter", description = "The column delimiter")
    String delimiter = "\t";

    @Option(names = {"-c", "--command"}, description = "The SQL commands to execute")
    String command;

    @Option(names = {"-d", "--dbname"}, description = "database name to connect to")
    String dbname;

    @Override
    void execute() throws IOException {
        OutputFormat fmt = CtlFormats.parse(format);
        String r = Members.role(role);
        if (r != null && member != null) throw new CtlException("--role and --member are mutually exclusive options");
        if (r == null && member == null) r = "primary";
        if (file != null && command != null) throw new CtlException("--file and --command are mutually exclusive options");
        if (file == null && command == null) throw new CtlException("You need to specify either --command or --file");
        String sql = command != null ? command : readFile(file);
        String user = username != null ? username : ctx().env().getOrDefault("PGUSER",
                ctx().config().pgUser() != null ? ctx().config().pgUser() : "postgres");
        String pass = password ? ctx().prompter().prompt("Password", null) : ctx().env().get("PGPASSWORD");
        if (pass == null && user.equals(ctx().config().pgUser())) pass = ctx().config().pgPassword();
        String name = ctx().clusterName(cluster);
        Duration every = watch != null ? Duration.ofMillis((long) (watch * 1000)) : watchDefault
                ? Duration.ofSeconds(2) : null;
        do {
            ClusterView c = ctx().load(name);
            Table t = run(c, r, user, pass, sql);
            t.print(out(), fmt, delimiter);
            out().flush();
        } while (every != null && ctx().deps().pause(every));
    }

    private static String readFile(String f) throws IOException {
        Path p = Path.of(f);
        if (!Files.isReadable(p)) throw new CtlException("Invalid value for '--file' / '-f': '" + f
                + "': No such file or directory", 2);
        return Files.readString(p);
    }

    private Table run(ClusterView c, String r, String user, String pass, String sql) {
        Member m = Members.any(c, r, member);
        if (m == null || m.connUrl() == null) {
            return error(r == null ? "No connection to member " + member + " is available"
                    : "No connection to role=" + r + " is available");
        }
        try (Connection conn = connect(m, user, pass); Statement st = conn.createStatement()) {
            if (!roleMatches(conn, r)) return error("No connection to role=" + r + " is available");
            boolean isResult = st.execute(sql);
            ResultSet last = null;
            while (true) {
                if (isResult) {
                    if (last != null) last.close();
                    last = st.getResultSet();
                } else if (st.getUpdateCount() == -1) {
                    break;
                }
                isResult = st.getMoreResults(Statement.KEEP_CURRENT_RESULT);
            }
            return last == null ? new Table(List.of(), Set.of()) : table(last);
        } catch (SQLException e) {
            String msg = e.getSQLState() != null ? e.getSQLState() : String.valueOf(e.getMessage());
            return error("ERROR, SQLSTATE: " + msg.replace('\n', ' '));
        }
    }

    private Table error(String message) {
        exitCode = 1;
        Table t = new Table(List.of(), Set.of());
        t.add(List.of(ctx().timestamp(0), message));
        return t;
    }

    private static boolean roleMatches(Connection conn, String role) throws SQLException {
        if (role == null || role.equals("any")) return true;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
            rs.next();
            boolean inRecovery = rs.getBoolean(1);
            return inRecovery == Set.of("replica", "standby", "standby-leader").contains(role);
        }
    }

    private Connection connect(Member m, String user, String pass) throws SQLException {
        URI u = URI.create(m.connUrl());
        String db = dbname != null ? dbname : u.getPath() == null || u.getPath().length() <= 1 ? "postgres"
                : u.getPath().substring(1);
        Properties p = new Properties();
        p.setProperty("user", user);
        if (pass != null) p.setProperty("password", pass);
        p.setProperty("ApplicationName", "Patroni ctl");
        p.setProperty("connectTimeout", "5");
        String url = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : 5432) + "/" + db;
        Connection conn = DriverManager.getConnection(url, p);
        conn.setAutoCommit(true);
        return conn;
    }

    private static Table table(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) cols.add(md.getColumnLabel(i));
        Table t = new Table(cols, Set.of());
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= cols.size(); i++) {
                Object v = rs.getObject(i);
                row.add(v == null || v instanceof Number || v instanceof Boolean || v instanceof String ? v
                        : rs.getString(i));
            }
            t.add(row);
        }
        rs.close();
        return t;
    }
}
