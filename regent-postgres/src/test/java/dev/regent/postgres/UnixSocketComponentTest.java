package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Real PostgreSQL: {@code use_unix_socket} puts Regent's own superuser connection on the Unix socket. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnixSocketComponentTest {
    private PgTestNodes nodes;
    private Postgresql pg;

    @BeforeAll
    void start() throws Exception {
        nodes = new PgTestNodes();
        pg = nodes.node("socket", Map.of(), Map.of(), true);
        pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
        pg.writeConfig(Role.PRIMARY, null, null);
        assertThat(pg.start(PgTestNodes.timeout())).isTrue();
    }

    @AfterAll
    void cleanUp() throws Exception {
        nodes.close();
    }

    @Test
    void theSuperuserConnectionUsesTheFirstAbsoluteSocketDirectory() {
        String port = pg.serverParameters(Role.PRIMARY).get("port");
        assertThat(pg.connection().unixSocket())
                .isEqualTo(nodes.base().resolve("sockets").resolve(".s.PGSQL." + port).toString());
        // a Unix-socket session has no server address; over TCP it would be 127.0.0.1
        assertThat(pg.connection().queryStrings("SELECT (inet_server_addr() IS NULL)::text"))
                .containsExactly("true");
        assertThat(pg.status().inRecovery()).isFalse();
    }

    /**
     * A reloaded superuser (another role, {@code sslmode: require}) logs in over the same Unix socket, where libpq
     * asks for no SSL whatever the mode (a TLS request there would fail).
     */
    @Test
    void aReloadedSuperuserLogsInOverTheSocketWithoutSsl() {
        pg.connection().execute("DROP ROLE IF EXISTS admin2");
        pg.connection().execute("CREATE ROLE admin2 LOGIN SUPERUSER");
        var admin = new dev.regent.core.config.NodeConfig.PgUser("admin2", null, Map.of("sslmode", "require"));
        var cfg = pg.config();
        var reloaded = new dev.regent.core.config.NodeConfig.PostgresqlConfig(cfg.listen(), cfg.connectAddress(),
                cfg.dataDir(), cfg.configDir(), cfg.binDir(), cfg.pgpass(), cfg.database(), admin, cfg.replication(),
                cfg.rewind(), cfg.parameters(), cfg.pgHba(), cfg.pgIdent(), cfg.basebackup(),
                cfg.createReplicaMethods(), cfg.usePgRewind(), false, false, cfg.pgCtlTimeoutSeconds(),
                cfg.callbacks(), null, null, cfg.recoveryConf(), cfg.binName(), true, false, Map.of(), cfg.extras());
        try {
            assertThat(pg.reloadConnectionSettings(reloaded)).containsExactly("authentication.superuser");
            assertThat(pg.connection().queryStrings("SELECT current_user || ' ' || (inet_server_addr() IS NULL)"))
                    .containsExactly("admin2 true");
        } finally {
            pg.reloadConnectionSettings(cfg);
        }
        assertThat(pg.connection().queryStrings("SELECT current_user")).containsExactly("postgres");
    }
}
