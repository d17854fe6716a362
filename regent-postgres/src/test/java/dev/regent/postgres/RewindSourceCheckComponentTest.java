package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15: the check a rewind makes before stopping anything (Patroni's
 * {@code check_leader_is_not_in_recovery}) passes for a running primary, also listed after a host that refuses
 * connections or given as a Unix socket directory (standby_cluster.host), and names why it fails for a standby and for
 * a server that does not run.
 */
class RewindSourceCheckComponentTest {
    @Test
    void onlyARunningPrimaryIsARewindSource() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("node-s");
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            pg.createUsers();
            String url = pg.connUrl();
            pg.checkRewindSource(url);  // a running primary: no exception
            // a standby cluster's remote primary among several hosts: the first refuses connections, the next is it
            int port = PgHosts.parse(url).servers().get(0).getValue();
            String several = "postgres://127.0.0.2:" + port + ",127.0.0.1:" + port + "/postgres";
            pg.checkRewindSource(several);
            // standby_cluster.host as a Unix socket directory, alone and after a TCP host that refuses connections
            String dir = java.net.URLEncoder.encode(nodes.base().resolve("sockets").toString(),
                    java.nio.charset.StandardCharsets.UTF_8);
            String socket = "postgres://" + dir + ":" + port + "/postgres";
            pg.checkRewindSource(socket);
            String mixed = "postgres://127.0.0.2:" + port + "," + dir + ":" + port + "/postgres";
            pg.checkRewindSource(mixed);

            assertThat(pg.stop(StopMode.FAST, PgTestNodes.timeout())).isTrue();
            assertThatThrownBy(() -> pg.checkRewindSource(url)).isInstanceOf(PostgresException.class)
                    .hasMessageStartingWith("not accessible or not healthy: ");

            pg.writeConfig(Role.REPLICA, null, null);
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            assertThat(pg.status().inRecovery()).isTrue();
            assertThatThrownBy(() -> pg.checkRewindSource(url)).isInstanceOf(PostgresException.class)
                    .hasMessage("Leader is still in_recovery and therefore can't be used for rewind");
            assertThatThrownBy(() -> pg.checkRewindSource(several)).as("no primary among the hosts")
                    .isInstanceOf(PostgresException.class).hasMessageStartingWith("not accessible or not healthy: ");
            assertThatThrownBy(() -> pg.checkRewindSource(socket)).isInstanceOf(PostgresException.class)
                    .hasMessage("Leader is still in_recovery and therefore can't be used for rewind");
            assertThatThrownBy(() -> pg.checkRewindSource(mixed)).as("each server asked in turn")
                    .isInstanceOf(PostgresException.class)
                    .hasMessageStartingWith("no primary among 127.0.0.2," + nodes.base().resolve("sockets"))
                    .hasMessageContaining(nodes.base().resolve("sockets") + ": in recovery");
        }
    }
}
