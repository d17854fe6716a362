package dev.regent.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlDataTest {
    private static final String SAMPLE = """
            pg_control version number:            1300
            Catalog version number:               202209061
            Database system identifier:           7310953421553729592
            Database cluster state:               shut down in recovery
            pg_control last modified:             Wed Nov 25 20:00:00 2026
            Latest checkpoint location:           0/5000060
            Latest checkpoint's REDO location:    0/5000028
            Latest checkpoint's TimeLineID:       3
            Minimum recovery ending location:     1/A0000000
            Min recovery ending loc's timeline:   3
            wal_log_hints setting:                on
            max_connections setting:              150
            Data page checksum version:           0
            """;

    @Test
    void parsesFields() {
        ControlData cd = ControlData.parse(SAMPLE);
        assertThat(cd.systemIdentifier()).isEqualTo("7310953421553729592");
        assertThat(cd.clusterState()).isEqualTo("shut down in recovery");
        assertThat(cd.cleanlyShutDown()).isTrue();
        assertThat(cd.timeline()).isEqualTo(3);
        assertThat(cd.checkpointLocation()).isEqualTo(0x5000060L);
        assertThat(cd.redoLocation()).isEqualTo(0x5000028L);
        assertThat(cd.minRecoveryEndLocation()).isEqualTo((1L << 32) | 0xA0000000L);
        assertThat(cd.minRecoveryEndTimeline()).isEqualTo(3);
        assertThat(cd.walLogHints()).isTrue();
        assertThat(cd.dataChecksums()).isFalse();
        assertThat(cd.intSetting("max_connections")).isEqualTo(150);
        assertThat(ControlData.parse("Database cluster state: in production").cleanlyShutDown()).isFalse();
    }

    @Test
    void parsesVersions() {
        assertThat(PgBinaries.parseVersion("postgres (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)")).isEqualTo(150008);
        assertThat(PgBinaries.parseVersion("postgres (PostgreSQL) 9.6.24")).isEqualTo(90624);
        assertThat(PgBinaries.parseVersion("postgres (PostgreSQL) 17beta1")).isEqualTo(170000);
    }
}
