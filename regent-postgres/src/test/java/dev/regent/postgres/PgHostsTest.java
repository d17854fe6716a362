package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** conn_url parsing: a member's single host as before, a standby cluster's remote primary among several hosts. */
class PgHostsTest {

    @Test
    void aMembersConnUrlIsOneServer() {
        PgHosts h = PgHosts.parse("postgres://10.0.0.1:5433/postgres");
        assertThat(h.servers()).containsExactly(Map.entry("10.0.0.1", 5433));
        assertThat(h.database()).isEqualTo("postgres");
        assertThat(h.several()).isFalse();
        assertThat(h.hosts()).isEqualTo("10.0.0.1");
        assertThat(h.ports()).isEqualTo("5433");
        assertThat(h.jdbcHosts()).isEqualTo("10.0.0.1:5433");

        PgHosts noPort = PgHosts.parse("postgresql://db.example/app?sslmode=require");
        assertThat(noPort.servers()).as("libpq's default port").containsExactly(Map.entry("db.example", 5432));
        assertThat(noPort.database()).isEqualTo("app");
        PgHosts bare = PgHosts.parse("postgres://user:pw@db.example:6000");
        assertThat(bare.servers()).as("user info ignored").containsExactly(Map.entry("db.example", 6000));
        assertThat(bare.database()).isNull();
        assertThat(PgHosts.parse("postgres://h:5432/my%20db").database()).as("percent-decoded, as URI did")
                .isEqualTo("my db");
    }

    @Test
    void severalServersInOrder() {
        PgHosts h = PgHosts.parse("postgres://10.0.0.9:5433,10.0.0.10:5434,db3/postgres");
        assertThat(h.servers()).containsExactly(Map.entry("10.0.0.9", 5433), Map.entry("10.0.0.10", 5434),
                Map.entry("db3", 5432));
        assertThat(h.several()).isTrue();
        assertThat(h.hosts()).isEqualTo("10.0.0.9,10.0.0.10,db3");
        assertThat(h.ports()).isEqualTo("5433,5434,5432");
        assertThat(h.jdbcHosts()).isEqualTo("10.0.0.9:5433,10.0.0.10:5434,db3:5432");
        assertThat(h.database()).isEqualTo("postgres");
        assertThat(PgHosts.parse("postgres://h1:1, h2:2 /postgres").hosts()).as("spaces around entries dropped")
                .isEqualTo("h1,h2");
    }

    @Test
    void ipv6HostsInBrackets() {
        PgHosts h = PgHosts.parse("postgres://[::1]:5433,[fe80::1],10.0.0.1:5432/postgres");
        assertThat(h.servers()).containsExactly(Map.entry("::1", 5433), Map.entry("fe80::1", 5432),
                Map.entry("10.0.0.1", 5432));
        assertThat(h.hosts()).as("libpq's host list: no brackets").isEqualTo("::1,fe80::1,10.0.0.1");
        assertThat(h.jdbcHosts()).as("pgJDBC's URL: brackets")
                .isEqualTo("[::1]:5433,[fe80::1]:5432,10.0.0.1:5432");
        assertThat(PgHosts.of("::1", 5432).jdbcHosts()).isEqualTo("[::1]:5432");
    }

    @Test
    void aUnixSocketDirectoryPercentEncodedInTheUrl() {
        PgHosts h = PgHosts.parse("postgres://%2Fvar%2Frun%2Fpostgresql:5433/postgres");
        assertThat(h.servers()).containsExactly(Map.entry("/var/run/postgresql", 5433));
        assertThat(h.hasSocketDirectory()).isTrue();
        assertThat(h.hosts()).as("libpq's host: the directory").isEqualTo("/var/run/postgresql");
        assertThat(h.jdbcHosts()).as("pgJDBC goes through UnixSocketFactory").isEqualTo("localhost:5433");
        assertThat(h.pgpassServers()).as("libpq looks a socket connection's password up as localhost")
                .containsExactly(Map.entry("/var/run/postgresql", 5433), Map.entry("localhost", 5433));
        assertThat(ConfigRenderer.pgpass(h.pgpassServers(), java.util.List.of(PgTestNodes.REWIND)))
                .isEqualTo("/var/run/postgresql:5433:*:rewinder:rw-secret\nlocalhost:5433:*:rewinder:rw-secret\n");
        assertThat(ConfigRenderer.primaryConninfo(h.hosts(), h.ports(), null, "rep", "/p", "n", 150000))
                .startsWith("user=rep passfile=/p host=/var/run/postgresql port=5433 ");
        assertThat(PgHosts.parse("postgres://db%2Dx:1/postgres").hosts()).as("any escape decoded").isEqualTo("db-x");
        assertThat(PgHosts.parse("postgres://10.0.0.1:1/postgres").hasSocketDirectory()).isFalse();
    }

    @Test
    void socketDirectoriesAndTcpHostsWithAPortEach() {
        PgHosts h = PgHosts.parse("postgres://%2Ftmp%2Fpg:5432,10.0.0.9:5433,localhost:5432/postgres");
        assertThat(h.hosts()).isEqualTo("/tmp/pg,10.0.0.9,localhost");
        assertThat(h.ports()).isEqualTo("5432,5433,5432");
        assertThat(h.pgpassServers()).as("localhost:5432 is there already").containsExactly(
                Map.entry("/tmp/pg", 5432), Map.entry("10.0.0.9", 5433), Map.entry("localhost", 5432));
        assertThat(h.each()).extracting(PgHosts::hosts).containsExactly("/tmp/pg", "10.0.0.9", "localhost");
        assertThat(ConfigRenderer.primaryConninfo(h.hosts(), h.ports(), "read-write", "rep", "/p", "n", 150000))
                .startsWith("user=rep passfile=/p host=/tmp/pg,10.0.0.9,localhost port=5432,5433,5432 ")
                .contains("target_session_attrs=read-write");
        assertThatThrownBy(() -> new PgConnection(h, "postgres", "u", null, 3)).isInstanceOf(PostgresException.class)
                .hasMessageContaining("Unix socket directory (/tmp/pg,10.0.0.9,localhost): connect to each in turn");
    }

    @Test
    void badConnUrlsAreRefusedNamingTheUrlAndTheProblem() {
        assertThatThrownBy(() -> PgHosts.parse("10.0.0.1:5432")).isInstanceOf(PostgresException.class)
                .hasMessage("conn_url '10.0.0.1:5432' is not a postgres:// URL");
        assertThatThrownBy(() -> PgHosts.parse("postgres://h1:5432,,h2:5432/postgres"))
                .hasMessage("conn_url 'postgres://h1:5432,,h2:5432/postgres' has an empty host");
        assertThatThrownBy(() -> PgHosts.parse("postgres:///postgres")).hasMessageContaining("has an empty host");
        assertThatThrownBy(() -> PgHosts.parse("postgres://h1:54x2/postgres"))
                .hasMessage("conn_url 'postgres://h1:54x2/postgres' has an invalid port '54x2'");
        assertThatThrownBy(() -> PgHosts.parse("postgres://h1:70000/postgres"))
                .hasMessage("conn_url 'postgres://h1:70000/postgres' has port 70000, not in 1-65535");
        assertThatThrownBy(() -> PgHosts.parse("postgres://:5432/postgres")).hasMessageContaining("has no host");
        assertThatThrownBy(() -> PgHosts.parse("postgres://[::1:5432/postgres"))
                .hasMessageContaining("has an unclosed [ in its host");
        assertThatThrownBy(() -> PgHosts.parse("postgres://[::1]x/postgres"))
                .hasMessageContaining("has 'x' after the IPv6 address [::1]");
        assertThatThrownBy(() -> PgHosts.parse("postgres://::1:5432/postgres"))
                .hasMessageContaining("write the IPv6 address in '::1:5432' in brackets");
        assertThatThrownBy(() -> PgHosts.parse(null)).isInstanceOf(PostgresException.class);
    }
}
