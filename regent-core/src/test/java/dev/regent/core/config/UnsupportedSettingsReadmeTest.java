package dev.regent.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's list of unsupported settings is {@link UnsupportedSettings#markdownTable()}, pasted between two
 * markers. When the table changes, this test fails and prints the section to paste.
 */
class UnsupportedSettingsReadmeTest {
    static final String BEGIN = "<!-- unsupported-settings:begin (generated from UnsupportedSettings.ALL; "
            + "UnsupportedSettingsReadmeTest prints it) -->";
    static final String END = "<!-- unsupported-settings:end -->";

    @Test
    void readmeListsExactlyTheTable() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        String expected = BEGIN + "\n" + UnsupportedSettings.markdownTable() + END;
        if (begin < 0 || end < begin) {
            fail("README.md has no section between the markers; paste this into its Compatibility notes:\n"
                    + expected);
        }
        String actual = text.substring(begin, end + END.length());
        if (!actual.equals(expected)) {
            fail("README.md's unsupported-settings section differs from UnsupportedSettings.ALL; replace it with:\n"
                    + expected);
        }
        assertThat(actual).contains("| `citus` | local | ERROR |");
    }
}
