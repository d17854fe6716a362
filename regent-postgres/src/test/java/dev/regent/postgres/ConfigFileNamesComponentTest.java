package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.regent.core.config.NodeConfig.PgExtras;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real PostgreSQL 15 with Patroni's {@code config_base_name} (the files are {@code <name>.conf} and
 * {@code <name>.base.conf}) and {@code custom_conf} (included instead of the base file, which is then never made),
 * and the {@code proxy_url} a {@code proxy_address} publishes.
 */
class ConfigFileNamesComponentTest {
    @Test
    void configBaseNameNamesBothFiles() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Postgresql pg = nodes.node("named", Map.of(), PgTestNodes.HBA, PgTestNodes.SUPERUSER,
                    PgTestNodes.REPLICATION, PgTestNodes.REWIND, new PgExtras(List.of(), null, null, "patroni", null));
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            Path conf = pg.configDir().resolve("patroni.conf");
            assertThat(Files.readString(conf)).contains("include 'patroni.base.conf'");
            assertThat(Files.readString(pg.configDir().resolve("patroni.base.conf")))
                    .as("initdb's configuration is kept as the base").contains("# - Connection Settings -");
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            assertThat(pg.connection().queryStrings("SHOW config_file")).containsExactly(conf.toString());
            assertThat(pg.connection().queryStrings("SHOW cluster_name")).containsExactly("regent-test");
            assertThat(pg.proxyUrl()).isNull();
        }
    }

    @Test
    void customConfIsIncludedInsteadOfTheBaseFile() throws Exception {
        try (PgTestNodes nodes = new PgTestNodes()) {
            Path custom = nodes.base().resolve("custom.conf");
            Files.writeString(custom, "work_mem = '7MB'\n");
            new CommandRunner().chownRecursively(custom);
            Postgresql pg = nodes.node("custom", Map.of(), PgTestNodes.HBA, PgTestNodes.SUPERUSER,
                    PgTestNodes.REPLICATION, PgTestNodes.REWIND,
                    new PgExtras(List.of(), null, "10.0.0.5:6432", null, custom.toString()));
            pg.initdb(List.of("--encoding=UTF8", "--locale=C"), PgTestNodes.SUPERUSER.password());
            pg.writeConfig(Role.PRIMARY, null, null);
            assertThat(Files.readString(pg.configDir().resolve("postgresql.conf")))
                    .contains("include '" + custom + "'").doesNotContain("postgresql.base.conf");
            assertThat(pg.configDir().resolve("postgresql.base.conf")).doesNotExist();
            assertThat(pg.start(PgTestNodes.timeout())).isTrue();
            assertThat(pg.connection().queryStrings("SHOW work_mem")).containsExactly("7MB");
            assertThat(pg.proxyUrl()).isEqualTo("postgres://10.0.0.5:6432/postgres");
        }
    }
}
