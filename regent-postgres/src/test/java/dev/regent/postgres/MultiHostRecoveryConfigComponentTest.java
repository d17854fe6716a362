package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15 files: the recovery configuration a standby leader writes for a remote primary among several
 * hosts (standby_cluster.host: h1,h2). As Patroni's build_recovery_params, primary_conninfo lists every host and port
 * and asks for {@code target_session_attrs=read-write} only when it streams through a slot (the slot is on the remote
 * primary); pgpass gets a line per host.
 */
class MultiHostRecoveryConfigComponentTest {
    @Test
    void primaryConninfoAndPgpassForSeveralRemoteHosts() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("node-m");
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            String remote = "postgres://10.0.0.9:5433,[fd00::10]:5434/postgres";

            pg.writeConfig(Role.REPLICA, remote, "pm_1");
            String conf = Files.readString(pg.configDir().resolve("postgresql.conf"));
            assertThat(conf).contains("host=10.0.0.9,fd00::10 port=5433,5434 ")
                    .contains(" application_name=node-m gssencmode=prefer channel_binding=prefer "
                            + "target_session_attrs=read-write'")
                    .contains("primary_slot_name = 'pm_1'");
            assertThat(Files.readAllLines(pg.pgpassFile())).containsExactly(
                    "10.0.0.9:5433:*:" + PgTestNodes.REPLICATION.username() + ":"
                            + ConfigRenderer.pgpassLine("x", 1, "u", PgTestNodes.REPLICATION.password())
                            .substring("x:1:*:u:".length()),
                    "fd00\\:\\:10:5434:*:" + PgTestNodes.REPLICATION.username() + ":"
                            + ConfigRenderer.pgpassLine("x", 1, "u", PgTestNodes.REPLICATION.password())
                            .substring("x:1:*:u:".length()));

            pg.writeConfig(Role.REPLICA, remote, null);
            assertThat(Files.readString(pg.configDir().resolve("postgresql.conf")))
                    .as("without a slot any host that answers will do")
                    .contains("host=10.0.0.9,fd00::10 port=5433,5434 ").doesNotContain("target_session_attrs")
                    .doesNotContain("primary_slot_name = 'pm_1'");

            // standby_cluster {host: /var/run/postgresql,10.0.0.9, port: 5433,5434}: a socket directory in the list
            pg.writeConfig(Role.REPLICA, "postgres://%2Fvar%2Frun%2Fpostgresql:5433,10.0.0.9:5434/postgres", "pm_1");
            assertThat(Files.readString(pg.configDir().resolve("postgresql.conf")))
                    .contains("host=/var/run/postgresql,10.0.0.9 port=5433,5434 ")
                    .contains("target_session_attrs=read-write'");
            assertThat(Files.readAllLines(pg.pgpassFile())).extracting(l -> l.substring(0, l.indexOf(":*:")))
                    .as("libpq looks the socket connection up as localhost").containsExactly(
                            "/var/run/postgresql:5433", "10.0.0.9:5434", "localhost:5433");

            pg.writeConfig(Role.REPLICA, "postgres://10.0.0.9:5433/postgres", "node_m");
            assertThat(Files.readString(pg.configDir().resolve("postgresql.conf"))).as("a member: one host")
                    .contains("host=10.0.0.9 port=5433 ").doesNotContain("target_session_attrs");
        }
    }
}
