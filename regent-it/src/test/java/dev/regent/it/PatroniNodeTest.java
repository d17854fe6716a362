package dev.regent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PatroniNodeTest {
    @Test
    void binDirBecomesTheFirstKeyOfTheTopLevelPostgresqlSection() {
        String yaml = "bootstrap:\n  dcs:\n    postgresql:\n      use_slots: true\n\npostgresql:\n  listen: x\n";
        String out = PatroniNode.withBinDir(yaml, "/usr/lib/postgresql/15/bin");
        assertThat(out).contains("\npostgresql:\n  bin_dir: /usr/lib/postgresql/15/bin\n  listen: x\n")
                .contains("    postgresql:\n      use_slots: true");
    }

    @Test
    void aYamlWithoutPostgresqlSectionIsRejected() {
        assertThatThrownBy(() -> PatroniNode.withBinDir("scope: x\n", "/bin")).hasMessageContaining("postgresql:");
    }

    @Test
    void pgBinDirContainsThePostgresBinary() {
        assertThat(Path.of(PatroniNode.pgBinDir(), "postgres")).exists();
    }
}
